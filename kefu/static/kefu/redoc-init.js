// Starts ReDoc on /api/v1/redoc/ from the container's data attributes (no inline script: CSP).
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || !window.Redoc) return;
  var settings = JSON.parse(container.dataset.settings || "{}");
  window.Redoc.init(container.dataset.schemaUrl, settings, container);
})();
