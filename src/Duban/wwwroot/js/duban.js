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

  // The dispatch queue by keyboard: j / k move, a accepts the suggestion, c picks another unit, m opens merging (its first duplicate).
  function wireQueue(list) {
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-queue-item]"));
    if (!items.length) return;
    function current() { var i = items.indexOf(document.activeElement.closest && document.activeElement.closest("[data-queue-item]")); return i; }
    function go(i) { i = Math.max(0, Math.min(items.length - 1, i)); items[i].focus(); items[i].scrollIntoView({ block: "nearest" }); }
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select") { if (e.key === "Escape") { var it = e.target.closest("[data-queue-item]"); if (it) it.focus(); } return; }
      var i = current();
      if (e.key === "j") { e.preventDefault(); go(i < 0 ? 0 : i + 1); }
      else if (e.key === "k") { e.preventDefault(); go(i < 0 ? 0 : i - 1); }
      else if (e.key === "a" && i >= 0) { var b = items[i].querySelector("[data-accept]"); if (b) { e.preventDefault(); b.click(); } }
      else if (e.key === "c" && i >= 0) { var f = items[i].querySelector(".correct input[name=lead]"); if (f) { e.preventDefault(); f.focus(); } }
      else if (e.key === "m" && i >= 0) { var d = items[i].querySelector("details[data-merge]"); if (d) { e.preventDefault(); d.open = true; (d.querySelector("button[name=pick]") || d.querySelector("input[name=target]")).focus(); } }
    });
    if (!list.contains(document.activeElement)) go(0);
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

  function init() {
    document.querySelectorAll("[data-photo-preview]").forEach(wirePhotoPreview);
    document.querySelectorAll("[data-geo-resolve]").forEach(wireGeo);
    document.querySelectorAll("[data-toggle-hide]").forEach(wireToggle);
    document.querySelectorAll("[data-queue]").forEach(wireQueue);
    document.querySelectorAll("[data-period-picker]").forEach(wirePeriodPicker);
    document.querySelectorAll("[data-menu]").forEach(wireMenu);
    document.querySelectorAll("[data-print]").forEach(function (b) { b.addEventListener("click", function () { window.print(); }); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
