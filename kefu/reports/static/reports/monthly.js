// Monthly statistics: bar charts with ECharts (served from kefu/static/vendor, from the npm registry).
// The figures come from the page (json_script "report-chart-data"); the tables below say the same
// in text, so the page is complete without script.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("report-chart-data");
    if (!source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (box) {
      var rows = data[box.getAttribute("data-chart")] || [];
      if (!rows.length) { box.hidden = true; return; }
      box.style.height = Math.max(160, 40 + rows.length * 34) + "px";
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        color: ["#1f5fa8", "#1e7b4a"],
        legend: { top: 0 },
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category",
          inverse: true,
          data: rows.map(function (r) { return r.label; }),
          axisLabel: { width: 140, overflow: "truncate" },
        },
        series: [
          { name: data.labels.received, type: "bar", data: rows.map(function (r) { return r.received; }) },
          { name: data.labels.closed, type: "bar", data: rows.map(function (r) { return r.closed; }) },
        ],
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
