/* Appraisal dashboards: charts from the figures the page embeds with json_script (CSP: no inline script).
   Every chart has a table with the same figures next to it. */
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("ap-chart-data");
    if (!node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var lang = document.documentElement.lang || "zh-hans";
    var zh = lang.indexOf("zh") === 0;
    var charts = [];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var c = window.echarts.init(el, null, { renderer: "svg" });
      c.setOption(option);
      charts.push(c);
    }
    chart("ap-trend", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 40, top: 30, bottom: 30 },
      xAxis: { type: "category", data: data.trend.map(function (t) { return t.month; }) },
      yAxis: [
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", minInterval: 1 }
      ],
      series: [
        { name: zh ? "按时率" : "Deadlines met", type: "line", data: data.trend.map(function (t) { return t.rate; }), connectNulls: false },
        { name: zh ? "超时" : "Breaches", type: "bar", yAxisIndex: 1, data: data.trend.map(function (t) { return t.breaches; }) }
      ]
    });
    chart("ap-breaches", {
      tooltip: { trigger: "axis" },
      grid: { left: 90, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.breaches.map(function (b) { return b.unit; }) },
      series: [{ name: zh ? "超时" : "Breaches", type: "bar", data: data.breaches.map(function (b) { return b.breaches; }) }]
    });
    chart("ap-ranking", {
      tooltip: { trigger: "axis" },
      grid: { left: 90, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: data.ranking.map(function (r) { return r.name; }) },
      series: [{ name: zh ? "得分" : "Score", type: "bar", data: data.ranking.map(function (r) { return r.total; }) }]
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
