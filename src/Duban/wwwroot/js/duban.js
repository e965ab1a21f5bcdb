// Duban's small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // The place a citizen's address names, shown as they type (GET /api/v1/geo/resolve, no login).
  function wireGeo(input) {
    var out = document.getElementById(input.getAttribute("data-geo-resolve"));
    if (!out) return;
    var timer = 0, last = "";
    function resolve() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (!q) { out.textContent = "—"; return; }
      fetch("/api/v1/geo/resolve?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (m) {
          if (q !== last) return;
          out.textContent = m && m.code && m.path && m.path.length ? m.path.join(" / ") : out.getAttribute("data-none");
        })
        .catch(function () { /* the form works without it */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(resolve, 250); });
    if (input.value) resolve();
  }

  // A checkbox that hides a group (anonymous: no name, no phone).
  function wireToggle(box) {
    var target = document.getElementById(box.getAttribute("data-toggle-hide"));
    if (!target) return;
    var sync = function () { target.hidden = box.checked; };
    box.addEventListener("change", sync);
    sync();
  }

  // The dispatch queue by keyboard (the keys are listed on the page, #queue-keys): j / k move through the rows, o or Enter shows
  // a row in the detail pane, a accepts its suggestion (a again, or Enter, confirms a low confidence), 1 / 2 / 3 dispatch with one of the top three
  // (below the threshold), c chooses another unit,
  // e corrects the category or place, m merges, s splits, x declines, f goes to the filters, n / p turn the page, ? shows the
  // keys, Escape leaves a field. The keys that act in the pane on another row first show that row (its address, #do-<key>).
  function wireQueue(list) {
    var rows = Array.prototype.slice.call(list.querySelectorAll("[data-queue-item]"));
    if (!rows.length) return;
    var pane = document.querySelector("[data-queue-detail]");
    var help = document.querySelector("[data-queue-keys]");
    function current() { var r = document.activeElement && document.activeElement.closest && document.activeElement.closest("[data-queue-item]"); return rows.indexOf(r); }
    function go(i) { i = Math.max(0, Math.min(rows.length - 1, i)); rows[i].focus(); rows[i].scrollIntoView({ block: "nearest" }); }
    function inPane(row) { return pane && row && pane.getAttribute("data-id") === row.getAttribute("data-id"); }
    function open(details, field) {
      if (!details) return false;
      details.open = true;
      var f = details.querySelector(field || "input:not([type=hidden]), textarea, button");
      if (f) f.focus();
      details.scrollIntoView({ block: "nearest" });
      return true;
    }
    var paneKeys = {
      c: function () { var f = pane.querySelector(".correct input[name=lead]"); if (f) { f.focus(); return true; } return false; },
      e: function () { return open(pane.querySelector("details[data-correct]")); },
      m: function () { var d = pane.querySelector("details[data-merge]"); return open(d, d && (d.querySelector("button[name=pick]") ? "button[name=pick]" : "input[name=target]")); },
      s: function () { return open(pane.querySelector("details[data-split]")); },
      x: function () { return open(pane.querySelector("details[data-reject]"), "textarea, input:not([type=hidden])"); }
    };
    // 1 / 2 / 3: dispatch with that one of the top three (shown below the automatic dispatch's threshold).
    ["1", "2", "3"].forEach(function (k) {
      paneKeys[k] = function () { var b = pane.querySelector("[data-pick='" + k + "']"); if (b) { b.click(); return true; } return false; };
    });
    function link(sel) { var a = document.querySelector(sel); if (a) { window.location.href = a.href; return true; } return false; }
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select") {
        if (e.key === "Escape") { var r = rows.filter(inPane)[0] || rows[0]; r.focus(); }
        return;
      }
      var i = current(), row = i >= 0 ? rows[i] : null, done = false;
      var confirm = document.querySelector("[data-confirm-box]:not([hidden]) [data-confirm-accept]");
      if (e.key === "j") { go(i < 0 ? 0 : i + 1); done = true; }
      else if (e.key === "k") { go(i < 0 ? 0 : i - 1); done = true; }
      else if ((e.key === "o" || e.key === "Enter") && row && e.target === row) { done = link("[data-queue-item][data-id='" + row.getAttribute("data-id") + "'] [data-open]"); }
      else if (e.key === "a" && confirm && (!row || inPane(row))) { confirm.click(); done = true; }
      else if (e.key === "a" && row) { var b = row.querySelector("[data-accept]"); if (b) { b.click(); done = true; } }
      else if (paneKeys[e.key] && (row || pane)) {
        if (!row || inPane(row)) done = paneKeys[e.key]();
        else { var a = row.querySelector("[data-open]"); if (a) { window.location.href = a.href + "#do-" + e.key; done = true; } }
      }
      else if (e.key === "f") { var f = document.querySelector("[data-queue-filters] select, [data-queue-filters] input"); if (f) { f.focus(); done = true; } }
      else if (e.key === "n") done = link("[data-next]");
      else if (e.key === "p") done = link("[data-prev]");
      else if (e.key === "?" && help) { help.open = !help.open; done = true; }
      if (done) e.preventDefault();
    });
    // A key pressed on another row, carried by the address: done once the pane shows that row.
    var asked = /^#do-([cemsx])$/.exec(window.location.hash);
    if (asked && pane && paneKeys[asked[1]] && paneKeys[asked[1]]()) return;
    if (document.querySelector("[data-confirm-box]:not([hidden])")) return;
    if (!document.activeElement || document.activeElement === document.body) go(Math.max(0, rows.indexOf(rows.filter(inPane)[0])));
  }

  // The photos chosen, shown small under their field before they are sent (data: URLs: the pages' CSP allows no blob:).
  function wirePhotoPreview(input) {
    var out = document.getElementById(input.getAttribute("data-photo-preview"));
    if (!out) return;
    input.addEventListener("change", function () {
      out.textContent = "";
      Array.prototype.slice.call(input.files || [], 0, 10).forEach(function (file) {
        if (!/^image\//.test(file.type)) return;
        var reader = new FileReader();
        reader.onload = function () {
          var img = document.createElement("img");
          img.src = reader.result;
          img.alt = file.name;
          img.style.cssText = "width:6rem;height:4.5rem;object-fit:cover;border:1px solid #d0d7de;border-radius:4px;margin:.25rem .25rem 0 0";
          out.appendChild(img);
        };
        reader.readAsDataURL(file);
      });
    });
  }

  // The dashboard's period picker: only the fields of the chosen kind (month, quarter, year, custom) show; without this
  // script every field shows and the kind chosen decides which are read.
  function wirePeriodPicker(picker) {
    var kind = picker.querySelector("select[name=pk]");
    if (!kind) return;
    function show() {
      picker.querySelectorAll("[data-pk]").forEach(function (f) { f.hidden = f.getAttribute("data-pk") !== kind.value; });
    }
    kind.addEventListener("change", show);
    show();
  }

  // The header's compact menu on a phone: the button shows (the stylesheet folds the links behind it only once the
  // header is menu-ready, so without this script they stay in view); Escape closes it and gives the focus back.
  function wireMenu(top) {
    var button = top.querySelector(".menu-toggle");
    if (!button) return;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      top.classList.toggle("menu-open", open);
    }
    button.hidden = false;
    top.classList.add("menu-ready");
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    top.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && top.classList.contains("menu-open")) { set(false); button.focus(); }
    });
  }

  // A table wider than its card scrolls inside it (.card:has(> .table), .table-scroll), as a command line does in its
  // <pre>: one with nothing to focus in it (a hidden input is nothing) takes the focus itself while it scrolls, so that the keyboard scrolls it too (WCAG 2.1.1; axe-core's
  // scrollable-region-focusable). Again at each resize: a phone turned, a window narrowed.
  function wireScrollers() {
    var focusable = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
    function sync() {
      document.querySelectorAll(".card:has(> .table), .table-scroll, pre").forEach(function (el) {
        var scrolls = el.scrollWidth > el.clientWidth + 1;
        var ours = el.hasAttribute("data-scroll-focus");
        if (scrolls && !ours && !el.hasAttribute("tabindex") && !el.querySelector(focusable)) {
          el.tabIndex = 0;
          el.setAttribute("data-scroll-focus", "");
        } else if (!scrolls && ours) {
          el.removeAttribute("tabindex");
          el.removeAttribute("data-scroll-focus");
        }
      });
    }
    sync();
    window.addEventListener("resize", sync);
  }

  function init() {
    document.querySelectorAll("[data-photo-preview]").forEach(wirePhotoPreview);
    document.querySelectorAll("[data-geo-resolve]").forEach(wireGeo);
    document.querySelectorAll("[data-toggle-hide]").forEach(wireToggle);
    document.querySelectorAll("[data-queue]").forEach(wireQueue);
    document.querySelectorAll("[data-period-picker]").forEach(wirePeriodPicker);
    document.querySelectorAll("[data-menu]").forEach(wireMenu);
    wireScrollers();
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
