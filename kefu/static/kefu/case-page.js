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

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("select"), function (select) {
      if (UNIT_NAMES.test(select.name)) narrow(select);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.tagName === "SELECT" && UNIT_NAMES.test(target.name)) narrow(target);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
