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
        error: "The request failed. What you typed is still here; please try again.",
        restored: "Unsaved text from this device was restored. Save it to keep it." }
    : { offline: "Tidak ada koneksi. Isian Anda tetap tersimpan di perangkat ini; coba lagi saat sinyal kembali.",
        error: "Permintaan gagal. Isian Anda masih ada; silakan coba lagi.",
        restored: "Teks yang belum disimpan di perangkat ini dipulihkan. Simpan agar tidak hilang." };

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
  /* A form marked data-once sends once: a second tap on a slow connection would repeat it. */
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-once]")) return;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) setTimeout(function () { button.disabled = true; button.setAttribute("aria-busy", "true"); }, 0);
  });
  // A form answered with 400 carries its own messages in Indonesian: swap them in place.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr && e.detail.xhr.status === 400) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.addEventListener("htmx:responseError", function () { say(msg.error); });

  /* The menu is one row that scrolls sideways on a phone: show the current page in it. */
  var current = document.querySelector('.nav [aria-current="page"]');
  if (current) {
    var nav = current.parentNode;
    nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
  }

  /* Drafts: what a person types into a form marked data-draft survives a reload or a lost
     connection. Passwords are never stored. The page after a successful save names the draft
     to clear in <meta name="draft-clear">. A form that is filled from the server names the
     saved state in data-draft-base: the device's copy then replaces the filled-in text only when
     it was typed over that same saved state. */
  var store = null;
  try { store = window.localStorage; } catch (err) { store = null; }
  function key(form) { return "draft:" + form.getAttribute("data-draft"); }
  document.querySelectorAll('meta[name="draft-clear"]').forEach(function (m) {
    if (store) store.removeItem("draft:" + m.content);
  });
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" &&
        ["password", "hidden", "submit", "file", "checkbox", "radio"].indexOf(el.type) < 0;
    });
  }
  function restore(form) {
    var saved = null;
    try { saved = JSON.parse(store.getItem(key(form)) || "null"); } catch (err) { saved = null; }
    var base = form.getAttribute("data-draft-base");
    if (!saved) return;
    var over = base !== null && saved["@base"] === base;
    var later = [];
    fields(form).forEach(function (el) {
      if (saved[el.name] === undefined || saved[el.name] === el.value) return;
      if (!el.value) el.value = saved[el.name];
      else if (over) later.push(el);
    });
    if (later.length) {
      // After htmx has read the page's values (it starts on DOMContentLoaded too), so that the
      // input event refreshes what depends on the text, such as a live preview.
      document.addEventListener("DOMContentLoaded", function () {
        later.forEach(function (el) {
          el.value = saved[el.name];
          el.dispatchEvent(new Event("input", { bubbles: true }));
        });
        say(msg.restored);
      });
    }
  }
  function keep(form) {
    var data = {}, base = form.getAttribute("data-draft-base");
    fields(form).forEach(function (el) { if (el.value) data[el.name] = el.value; });
    if (base !== null) data["@base"] = base;
    store.setItem(key(form), JSON.stringify(data));
  }
  if (store) {
    document.querySelectorAll("form[data-draft]").forEach(restore);
    // Delegated, so that a form replaced by htmx keeps being saved.
    document.addEventListener("input", function (e) {
      var form = e.target && e.target.form;
      if (form && form.hasAttribute("data-draft")) keep(form);
    });
    // The server kept the form too (revision in the event): the device's copy is typed over it.
    document.addEventListener("draftSaved", function (e) {
      var form = e.target && e.target.closest ? e.target.closest("form[data-draft]") : null;
      if (!form || !e.detail || e.detail.value === undefined) return;
      form.setAttribute("data-draft-base", String(e.detail.value));
      keep(form);
    });
    // The form was saved for good (posted): forget the device's copy.
    document.addEventListener("draftClear", function (e) {
      if (e.detail && e.detail.value) store.removeItem("draft:" + e.detail.value);
    });
  }

  /* A link with data-line (a problem "line 12") puts the cursor on that line of the textarea it
     points at; data-tab names the radio button that shows the textarea on a phone. */
  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest("a[data-line]") : null;
    var area = link && document.querySelector(link.getAttribute("href"));
    if (!area || area.tagName !== "TEXTAREA") return;
    e.preventDefault();
    var tab = document.getElementById(link.getAttribute("data-tab") || "");
    if (tab) tab.checked = true;  // the textarea's tab on a phone
    var lines = area.value.split("\n"), line = parseInt(link.getAttribute("data-line"), 10) || 1;
    var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] || "").length);
    var height = area.scrollHeight / Math.max(lines.length, 1);
    area.scrollTop = Math.max(0, (line - 3) * height);
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
