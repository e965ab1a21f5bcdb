// The key projects' wall chart (挂图作战, Features/Projects): every project of a county or an industry on one timeline,
// each milestone a bar from the end of the one before it to its due date, coloured by its light. Apache ECharts
// (wwwroot/lib/echarts.min.js), a custom series drawn as a Gantt; the data from GET /api/v1/projects/wall, whose URL
// the page gives in [data-wall]. SVG renderer: sharp on a projector and in print; the table beside it has the same lines.
(function () {
  "use strict";
  var el = document.querySelector("[data-wall]");
  var printButton = document.querySelector("[data-print]");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
  if (!el || typeof echarts === "undefined") return;
  var colors = { green: "#1a7f37", yellow: "#bf8700", red: "#cf222e", done: "#8c959f", span: "#54aeff" };
  var day = 24 * 3600 * 1000;
  var data, instance;

  function big() { return window.matchMedia("(min-width: 110rem)").matches || window.matchMedia("print").matches; }

  function time(text) { return Date.parse(text + "T00:00:00+08:00"); }

  function option() {
    var size = big() ? 20 : 14;
    var text = { fontSize: size, color: "#1b1f24", fontFamily: getComputedStyle(document.documentElement).fontFamily };
    var projects = data.projects;
    var bars = [];
    projects.forEach(function (p, row) {
      p.milestones.forEach(function (m) {
        var light = m.light || "done";
        bars.push({ name: m.title, value: [row, time(m.from), time(m.dueDate) + day, m.dueDate, light], itemStyle: { color: colors[light] } });
      });
      // A project without milestones is one bar over its construction span, in its own colour (no light to show).
      if (p.milestones.length === 0) bars.push({ name: p.title, value: [row, time(p.startsOn), time(p.endsOn) + day, p.endsOn, "span"], itemStyle: { color: colors.span } });
    });
    var today = time(data.today);
    return {
      animation: false, textStyle: text,
      tooltip: { trigger: "item", renderMode: "richText", formatter: function (x) { return x.name + " " + x.value[3]; } },
      grid: { left: 8, right: 32, top: 40, bottom: 16, containLabel: true },
      xAxis: { type: "time", position: "top", axisLabel: { fontSize: size }, splitLine: { show: true } },
      yAxis: {
        type: "category", inverse: true, data: projects.map(function (p) { return p.title; }),
        axisLabel: { fontSize: size, width: big() ? 520 : 320, overflow: "truncate" }
      },
      series: [{
        type: "custom", name: el.getAttribute("aria-label"), encode: { x: [1, 2], y: 0 }, data: bars,
        renderItem: function (params, api) {
          var row = api.value(0);
          var start = api.coord([api.value(1), row]);
          var end = api.coord([api.value(2), row]);
          var height = api.size([0, 1])[1] * 0.6;
          var shape = echarts.graphic.clipRectByRect(
            { x: start[0], y: start[1] - height / 2, width: Math.max(2, end[0] - start[0]), height: height },
            { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
          return shape && { type: "rect", transition: [], shape: shape, style: { fill: colors[api.value(4)], stroke: "#ffffff", lineWidth: 1 } };
        },
        markLine: {
          symbol: "none", silent: true, lineStyle: { color: "#0969da", width: 2, type: "solid" },
          label: { formatter: el.getAttribute("data-today-label"), fontSize: size },
          data: [{ xAxis: today }]
        }
      }]
    };
  }

  function draw() {
    if (!data) return;
    el.style.height = Math.max(240, data.projects.length * (big() ? 44 : 32) + 80) + "px";
    if (!instance) instance = echarts.init(el, null, { renderer: "svg" });
    instance.setOption(option(), true);
    instance.resize();
    el.setAttribute("data-drawn", "true");
  }

  fetch(el.getAttribute("data-wall"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (json) { if (json) { data = json; draw(); } });
  window.addEventListener("resize", draw);
  window.addEventListener("beforeprint", draw);
  window.addEventListener("afterprint", draw);
})();
