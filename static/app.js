/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  var toast = document.getElementById("pesan");
  var hideTimer = null;
  function say(text) {
    if (!toast) return;
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { toast.hidden = true; }, 6000);
  }
  var lang = document.documentElement.lang;
  var msg = lang === "en"
    ? { offline: "No connection. What you typed is kept on this device; try again when the signal returns.",
        error: "The request failed. What you typed is still here; please try again." }
    : { offline: "Tidak ada koneksi. Isian Anda tetap tersimpan di perangkat ini; coba lagi saat sinyal kembali.",
        error: "Permintaan gagal. Isian Anda masih ada; silakan coba lagi." };

  document.addEventListener("htmx:sendError", function () { say(msg.offline); });

  /* Offline: a banner while there is no connection; module pages once opened are kept by the
     service worker for reading without signal. */
  var banner = document.getElementById("offline");
  function connection() { if (banner) banner.hidden = navigator.onLine; }
  window.addEventListener("online", connection);
  window.addEventListener("offline", connection);
  connection();
  if ("serviceWorker" in navigator && document.body.hasAttribute("hx-headers")) {
    var firstVisit = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/sw.js").catch(function () { /* reading still works online */ });
    // The page that installed the worker was not seen by it: keep this one for offline too.
    if (firstVisit && /^\/(kelas|istilah)(\/|$)/.test(location.pathname) && window.caches) {
      navigator.serviceWorker.ready.then(function () {
        return caches.open("lms-pages").then(function (cache) { return cache.add(location.pathname); });
      }).catch(function () { /* nothing to keep */ });
    }
    document.querySelectorAll('form[action="/keluar"]').forEach(function (form) {
      form.addEventListener("submit", function () {
        if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("logout");
      });
    });
  }

  /* Where the reader was: a module page opens again at the part last read. */
  var reader = document.querySelector(".reader");
  if (reader && window.localStorage) {
    var spot = "scroll:" + location.pathname;
    var saved = parseInt(localStorage.getItem(spot) || "0", 10);
    if (saved > 0 && !location.hash) window.scrollTo(0, saved);
    var pending = null;
    window.addEventListener("scroll", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { localStorage.setItem(spot, String(Math.round(window.scrollY))); }, 400);
    }, { passive: true });
  }
  // A form answered with 400 carries its own messages in Indonesian: swap them in place.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr && e.detail.xhr.status === 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.addEventListener("htmx:responseError", function () { say(msg.error); });

  /* Drafts: what a person types into a form marked data-draft survives a reload or a lost
     connection. Passwords are never stored. The page after a successful save names the draft
     to clear in <meta name="draft-clear">. */
  var store = null;
  try { store = window.localStorage; } catch (err) { store = null; }
  function key(form) { return "draft:" + form.getAttribute("data-draft"); }
  document.querySelectorAll('meta[name="draft-clear"]').forEach(function (m) {
    if (store) store.removeItem("draft:" + m.content);
  });
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "password" && el.type !== "hidden" && el.type !== "submit" && el.name !== "csrf_token";
    });
  }
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    if (!store) return;
    var saved = null;
    try { saved = JSON.parse(store.getItem(key(form)) || "null"); } catch (err) { saved = null; }
    if (saved) {
      fields(form).forEach(function (el) {
        if (saved[el.name] !== undefined && !el.value) el.value = saved[el.name];
      });
    }
    form.addEventListener("input", function () {
      var data = {};
      fields(form).forEach(function (el) { if (el.value) data[el.name] = el.value; });
      store.setItem(key(form), JSON.stringify(data));
    });
  });

  /* Pickers (village, koperasi): choosing a search result fills a hidden field, shows the
     choice, and may suggest a default name. */
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el || !el.hasAttribute || !el.hasAttribute("data-fill")) return;
    var target = document.querySelector(el.getAttribute("data-fill"));
    var shown = document.querySelector(el.getAttribute("data-show"));
    var name = document.getElementById("f-name");
    if (target) target.value = el.value;
    if (shown) { shown.textContent = el.getAttribute("data-label"); shown.hidden = false; }
    if (name && !name.value && el.hasAttribute("data-default-name")) name.value = el.getAttribute("data-default-name");
  });
})();
