/* Survey results: bar charts from the figures the page embeds with json_script (strict CSP: no inline
   script). The tables next to the charts hold the same figures. */
(function () {
  "use strict";
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function bars(el, labels, values) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      grid: { left: 8, right: 24, top: 10, bottom: 10, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: labels, axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ type: "bar", data: values, label: { show: true, position: "right", formatter: "{c}%" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function draw() {
    if (!window.echarts) { return; }
    var items = read("survey-item-chart-data");
    var el = document.getElementById("survey-item-chart");
    if (items && el) {
      bars(el, items.items.map(function (i) { return i.text; }), items.items.map(function (i) { return i.rate; }));
    }
    var units = read("survey-unit-chart-data");
    el = document.getElementById("survey-unit-chart");
    if (units && el) {
      bars(el, units.series.map(function (s) { return s.name + " · " + s.item; }), units.series.map(function (s) { return s.rate; }));
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
