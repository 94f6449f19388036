// Case page: in a form with a unit picker and a person picker (route, transfer, finding), offer only
// the people of the chosen unit and the units below it. Options carry their unit's path (data-path,
// "/1/4/9/"). Without this file every person stays selectable and the service still checks the choice.
(function () {
  "use strict";
  var UNIT_NAMES = /-(unit|responsible_unit)$/;
  var PERSON_NAMES = /-(assignee|new_owner|responsible_person)$/;

  function narrow(unitSelect) {
    var form = unitSelect.form;
    if (!form) return;
    var chosen = unitSelect.options[unitSelect.selectedIndex];
    var path = chosen ? chosen.getAttribute("data-path") : null;
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      if (!PERSON_NAMES.test(select.name)) return;
      Array.prototype.forEach.call(select.options, function (option) {
        var own = option.getAttribute("data-path");
        var keep = !path || !own || own.indexOf(path) === 0;
        option.hidden = !keep;
        option.disabled = !keep;
        if (!keep && option.selected) select.value = "";
      });
    });
  }

  // A search box before each unit picker: typing "宁波 售后" keeps the units whose path holds every word
  // (杭州公司 / 售后部 and 宁波公司 / 售后部 are told apart by their paths); the chosen one stays visible.
  function addSearch(select) {
    var label = select.getAttribute("data-search-label");
    if (!label || select.previousElementSibling && select.previousElementSibling.classList.contains("unit-search")) return;
    var box = document.createElement("input");
    box.type = "search";
    box.className = "unit-search";
    box.setAttribute("aria-label", label);
    box.placeholder = label;
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var firstMatch = null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var text = option.text.toLowerCase();
        var keep = option.selected || words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !keep;
        if (keep && !option.selected && !firstMatch) firstMatch = option;
      });
      // One match left: choose it, so the handlers narrow at once.
      var left = Array.prototype.filter.call(select.options, function (o) { return o.value && !o.hidden; });
      if (words.length && left.length === 1 && !left[0].selected) {
        select.value = left[0].value;
        narrow(select);
      }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("select"), function (select) {
      if (UNIT_NAMES.test(select.name)) {
        addSearch(select);
        narrow(select);
      }
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.tagName === "SELECT" && UNIT_NAMES.test(target.name)) narrow(target);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
