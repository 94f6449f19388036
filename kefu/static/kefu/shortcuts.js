// Kefu keyboard shortcuts and the phone menu. A static file: the Content-Security-Policy allows no
// inline script. Every page works without it.
//   /      search (the header search, else the page's first search box)
//   n      new case
//   j / k  next / previous row of the page's list (queue rows, inbox entries, board rows); Enter opens it
//   ?      show or hide the help overlay (Escape closes it)
(function () {
  "use strict";
  var PHONE = "(max-width: 700px)";
  var ROWS = "main table.grid tbody tr, main ul.inbox > li";
  var current = -1;

  function closeMenuOnPhone() {
    var menu = document.querySelector("details.navmenu");
    if (menu && window.matchMedia && window.matchMedia(PHONE).matches) menu.open = false;
  }

  function help() { return document.getElementById("shortcut-help"); }

  function showHelp(show) {
    var overlay = help();
    if (!overlay) return;
    overlay.hidden = !show;
    if (show) {
      var button = overlay.querySelector("[data-shortcuts-close]");
      if (button) button.focus();
    }
  }

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll(ROWS), function (row) {
      return row.querySelector("a[href]") !== null;
    });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    if (current >= 0 && list[current]) list[current].classList.remove("kb-current");
    current = Math.max(0, Math.min(list.length - 1, current + step));
    var row = list[current];
    row.classList.add("kb-current");
    row.querySelector("a[href]").focus();
    if (row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
  }

  function focusSearch() {
    var box = document.querySelector("header input[type=search], main input[type=search], main input[name=q]");
    if (box) { box.focus(); if (box.select) box.select(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var overlay = help();
    if (event.key === "Escape" && overlay && !overlay.hidden) { showHelp(false); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") { event.preventDefault(); showHelp(overlay ? overlay.hidden : false); }
    else if (event.key === "/") { if (focusSearch()) event.preventDefault(); }
    else if (event.key === "n" && overlay && overlay.dataset.intakeUrl) { window.location.href = overlay.dataset.intakeUrl; }
    else if (event.key === "j") { move(1); }
    else if (event.key === "k") { move(-1); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) return;
    if (target.closest("[data-shortcuts-open]")) { showHelp(true); }
    else if (target.closest("[data-shortcuts-close]")) { showHelp(false); }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", closeMenuOnPhone);
  else closeMenuOnPhone();
})();
