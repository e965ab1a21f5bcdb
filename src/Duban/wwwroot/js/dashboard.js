// The dashboard's charts (Apache ECharts, wwwroot/lib/echarts.min.js): each [data-chart] element is
// drawn from the JSON block #dashboard-data the page embeds. The tables beside the charts carry the
// same numbers, so the page says everything without this script. SVG renderer: sharp on a projector
// and in print.
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || typeof echarts === "undefined") return;
  var data;
  try { data = JSON.parse(block.textContent || "{}"); } catch (e) { return; }
  var drawn = [];

  function big() { return window.matchMedia("(min-width: 110rem)").matches; }

  function option(chart) {
    var size = big() ? 18 : 13;
    var text = { fontSize: size, color: "#1b1f24", fontFamily: getComputedStyle(document.documentElement).fontFamily };
    var series = chart.series || [];
    if (chart.type === "pie") {
      return {
        animation: false, textStyle: text, color: chart.colors,
        tooltip: { trigger: "item", renderMode: "richText" }, // ECharts' HTML tooltips carry style attributes, which the CSP refuses
        legend: { bottom: 0, textStyle: text },
        series: [{
          type: "pie", radius: ["35%", "65%"], name: series[0] && series[0].name,
          label: { formatter: "{b}: {c}", fontSize: size },
          data: chart.categories.map(function (c, i) { return { name: c, value: series[0].values[i] }; })
        }]
      };
    }
    var horizontal = chart.type === "hbar";
    var category = { type: "category", data: chart.categories, axisLabel: { fontSize: size, interval: 0, hideOverlap: true } };
    var value = { type: "value", minInterval: 1, axisLabel: { fontSize: size } };
    if (horizontal) category.inverse = true;
    return {
      animation: false, textStyle: text,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: series.length > 1 ? { top: 0, textStyle: text } : undefined,
      grid: { left: 8, right: 24, top: series.length > 1 ? 36 : 16, bottom: 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: series.map(function (s) {
        return {
          type: chart.type === "line" ? "line" : "bar", name: s.name, data: s.values,
          itemStyle: s.color ? { color: s.color } : undefined, lineStyle: chart.type === "line" ? { width: 3 } : undefined,
          symbolSize: 8, label: { show: chart.type !== "line", position: horizontal ? "right" : "top", fontSize: size }
        };
      })
    };
  }

  (data.charts || []).forEach(function (chart) {
    var el = document.querySelector('[data-chart="' + chart.id + '"]');
    if (!el) return;
    if (chart.type === "hbar") el.style.height = Math.max(240, chart.categories.length * 34 + 40) + "px";
    var instance = echarts.init(el, null, { renderer: "svg" });
    instance.setOption(option(chart));
    el.setAttribute("data-drawn", "true");
    drawn.push({ instance: instance, chart: chart });
  });

  function resize() {
    drawn.forEach(function (d) { d.instance.setOption(option(d.chart)); d.instance.resize(); });
  }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
