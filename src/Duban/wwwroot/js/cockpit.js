// The leader's cockpit's map (Apache ECharts, wwwroot/lib/echarts.min.js): 江门市's counties
// (wwwroot/lib/jiangmen-counties.geo.json, MIT, see lib/README.md) coloured by the figure the page
// picked, from the JSON block #cockpit-data. The table beside the map carries the same numbers, so the
// page says everything without this script. SVG renderer: sharp on a projector.
(function () {
  "use strict";
  // The page reloads itself every data-refresh seconds (a projector shows the day as it goes), from here rather than
  // by a meta refresh: not while a person is picking a figure (a field has focus), then a few seconds after.
  var root = document.querySelector("[data-refresh]");
  var every = root ? parseInt(root.getAttribute("data-refresh"), 10) : 0;
  if (every > 0) {
    var reload = function () {
      var f = document.activeElement;
      if (f && f.closest && f.closest("form")) { setTimeout(reload, 5000); return; }
      window.location.reload();
    };
    setTimeout(reload, every * 1000);
  }
  var block = document.getElementById("cockpit-data");
  var el = document.querySelector("[data-map]");
  if (!block || !el || typeof echarts === "undefined") return;
  var data;
  try { data = JSON.parse(block.textContent || "{}"); } catch (e) { return; }

  fetch("/lib/jiangmen-counties.geo.json", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (geo) {
      // The features are named by division code, so the map and the counts meet on the code, never on a name.
      geo.features.forEach(function (f) { f.properties.name = f.properties.code; });
      echarts.registerMap("jiangmen", geo);
      var names = {};
      var values = [];
      (data.counties || []).forEach(function (c) {
        names[c.code] = c.name;
        if (c.value !== null && c.value !== undefined) values.push(c.value);
      });
      var max = values.length ? Math.max.apply(null, values) : 1;
      var min = values.length ? Math.min.apply(null, values) : 0;
      if (max === min) max = min + 1;
      var big = window.matchMedia("(min-width: 110rem)").matches;
      var size = big ? 22 : 14;
      // Red is bad: for the score the low end is red, for counts the high end.
      var scale = ["#1a7f37", "#f2cc60", "#cf222e"];
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) { return (names[p.name] || p.name) + ": " + (isNaN(p.value) ? "—" : p.value); } },
        visualMap: {
          type: "continuous", min: min, max: max, calculable: false, left: 8, bottom: 8,
          text: [String(max), String(min)], textStyle: { fontSize: size },
          inRange: { color: data.higherIsBetter ? scale.slice().reverse() : scale }
        },
        series: [{
          type: "map", map: "jiangmen", name: data.label, roam: false,
          label: { show: true, fontSize: size, color: "#1b1f24", textBorderColor: "#ffffff", textBorderWidth: 3, formatter: function (p) { return (names[p.name] || p.name) + "\n" + (isNaN(p.value) ? "—" : p.value); } },
          itemStyle: { borderColor: "#ffffff", borderWidth: 1.5, areaColor: "#d0d7de" },
          emphasis: { label: { fontSize: size } },
          data: (data.counties || []).map(function (c) { return { name: c.code, value: c.value === null ? NaN : c.value }; })
        }]
      });
      el.setAttribute("data-drawn", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    })
    .catch(function () { /* the table beside the map has the numbers */ });
})();
