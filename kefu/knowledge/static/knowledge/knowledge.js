// Kefu knowledge: insert a reply template into the reply or note box. Works without it too: the
// filled-in text is on the page to copy.
(function () {
  "use strict";
  if (window.kefuKnowledge) return;
  window.kefuKnowledge = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".tpl-insert") : null;
    if (!button) return;
    var box = document.getElementById(button.getAttribute("data-target"));
    if (!box) return;
    var text = button.getAttribute("data-text") || "";
    var start = box.selectionStart, end = box.selectionEnd;
    if (typeof start === "number" && box.value) {
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + text.length;
    } else {
      box.value = text;
    }
    box.focus();
    var details = button.closest("details");
    if (details) details.open = false;
  });
})();
