// The phone desk (/console/calls/new): the place and possible duplicates found as the operator types, and its keys.
// The form works without it: saving registers the call, and the place is resolved as it is saved.
(function () {
  "use strict";

  function wire(form) {
    var place = document.getElementById("call-place");
    var list = document.getElementById("call-duplicates");
    var fields = Array.prototype.slice.call(form.querySelectorAll("[data-call-lookup]"));
    var value = function (name) { var f = form.querySelector("[name=" + name + "]"); return f ? f.value.trim() : ""; };
    var timer = 0, last = "";

    function show(items) {
      list.textContent = "";
      if (!items || !items.length) {
        var none = document.createElement("li");
        none.textContent = list.getAttribute("data-none");
        list.appendChild(none);
        return;
      }
      items.forEach(function (d) {
        var li = document.createElement("li");
        li.setAttribute("data-duplicate", d.number);
        var a = document.createElement("a");
        a.href = "/console/matters/" + d.id;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = d.number;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" " + d.title + " · " + list.getAttribute("data-similar") + " " + Math.round(d.similarity * 100) + "%"));
        list.appendChild(li);
      });
    }

    // GET /api/v1/calls/lookup: the place as registration will resolve it, and the open matters like the call there.
    // The content's first 300 characters are enough to compare, and keep the address short.
    function lookup() {
      var q = "location=" + encodeURIComponent(value("location")) + "&title=" + encodeURIComponent(value("title")) +
        "&content=" + encodeURIComponent(value("content").slice(0, 300));
      if (q === last) return;
      last = q;
      fetch("/api/v1/calls/lookup?" + q, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (m) {
          if (!m || q !== last) return;
          place.textContent = m.place && m.place.code && m.place.path && m.place.path.length ? m.place.path.join(" / ") : place.getAttribute("data-none");
          show(m.duplicates);
        })
        .catch(function () { /* the form works without it */ });
    }
    fields.forEach(function (f) { f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 300); }); });
    if (fields.some(function (f) { return f.value.trim(); })) lookup();

    // Alt+S saves (the call routed); Alt+D answers on the spot, or first goes to the answer when it is still empty.
    form.addEventListener("keydown", function (e) {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      var key = (e.key || "").toLowerCase();
      if (key === "s") { e.preventDefault(); form.querySelector("[data-call-save]").click(); }
      else if (key === "d") {
        e.preventDefault();
        var answer = form.querySelector("[name=answer]");
        if (answer && !answer.value.trim()) answer.focus(); else form.querySelector("[data-call-answer]").click();
      }
    });
    // The operator starts typing the caller at once; after a refusal, at the first field refused.
    var first = form.querySelector("[aria-invalid=true]") || form.querySelector("[autofocus]");
    if (first) first.focus();
  }

  function init() { document.querySelectorAll("[data-call-desk]").forEach(wire); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
