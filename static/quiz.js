/* Quiz attempt page: every answer is kept on this device the moment it changes, sent to the
   server (htmx) and forgotten here only once the server acknowledged that revision. Without a
   connection answers wait on the device and are sent when it returns, also after the browser
   was closed. The page works without this file (a save button per question). */
(function () {
  "use strict";
  var quiz = document.getElementById("quiz");
  if (!quiz) return;
  var attempt = quiz.getAttribute("data-attempt");
  var KEY = "draft:kuis-" + attempt;  // cleared by the result page (meta draft-clear)
  var store = null;
  try { store = window.localStorage; } catch (err) { store = null; }
  var en = document.documentElement.lang === "en";
  var text = en
    ? { waiting: "Not sent yet: kept on this phone, sent when the signal returns",
        offline: "No signal. Your answers are safe on this phone; send them when the signal returns.",
        sending: "Sending…", left: "left", over: "Time is up: sending your answers…" }
    : { waiting: "Belum terkirim: tersimpan di ponsel ini, dikirim saat sinyal kembali",
        offline: "Tidak ada sinyal. Jawaban Anda aman di ponsel ini; kirim lagi saat sinyal kembali.",
        sending: "Mengirim…", left: "lagi", over: "Waktu habis: jawaban Anda sedang dikirim…" };
  var pending = {};
  try { pending = JSON.parse((store && store.getItem(KEY)) || "{}") || {}; } catch (err) { pending = {}; }
  function keep() { if (store) store.setItem(KEY, JSON.stringify(pending)); }
  var lastRev = 0;
  function newRev() { lastRev = Math.max(Date.now(), lastRev + 1); return lastRev; }

  function forms() { return Array.prototype.slice.call(quiz.querySelectorAll("form.qform")); }
  function formOf(qid) { return quiz.querySelector('form.qform[data-soal="' + qid + '"]'); }
  function serialize(form) {
    var pairs = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || ["csrf_token", "soal", "rev"].indexOf(el.name) >= 0) return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      if (el.type === "submit" || el.type === "button") return;
      pairs.push([el.name, el.value]);
    });
    return pairs;
  }
  function rowsFor(form, name, count) {
    // A journal transaction may need more rows than the page shows.
    var first = form.querySelector('[name="' + name + '"]');
    var box = first && first.closest(".txrows");
    while (box && form.querySelectorAll('[name="' + name + '"]').length < count) addRow(box);
  }
  function apply(form, pairs) {
    var counts = {};
    pairs.forEach(function (p) { counts[p[0]] = (counts[p[0]] || 0) + 1; });
    Object.keys(counts).forEach(function (name) { if (/-akun$/.test(name)) rowsFor(form, name, counts[name]); });
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || ["csrf_token", "soal", "rev"].indexOf(el.name) >= 0) return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = pairs.some(function (p) { return p[0] === el.name && p[1] === el.value; });
        return;
      }
      var values = pairs.filter(function (p) { return p[0] === el.name; });
      var i = seen[el.name] || 0;
      el.value = i < values.length ? values[i][1] : "";
      seen[el.name] = i + 1;
    });
    form.querySelectorAll(".no-entry").forEach(toggleRows);
  }
  function status(form, cls, message) {
    var el = document.getElementById("status-" + form.getAttribute("data-soal"));
    if (!el) return;
    el.className = "qstatus " + cls;
    el.textContent = message;
  }
  function showPendingNote() {
    var note = document.querySelector("#kirim .pending-note");
    if (note) note.hidden = Object.keys(pending).length === 0;
  }
  function touch(form) {
    var qid = form.getAttribute("data-soal");
    pending[qid] = { rev: newRev(), fields: serialize(form) };
    keep();
  }

  // Capture phase: the device copy and its revision exist before htmx reads the form.
  function onEdit(e) {
    var form = e.target && e.target.form;
    if (form && form.classList.contains("qform") && e.target !== form) touch(form);
  }
  document.addEventListener("input", onEdit, true);
  document.addEventListener("change", onEdit, true);

  document.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt;
    if (!form || !form.classList || !form.classList.contains("qform")) return;
    var qid = form.getAttribute("data-soal");
    if (!pending[qid]) touch(form);
    e.detail.parameters.rev = String(pending[qid].rev);
  });
  document.addEventListener("answerSaved", function (e) {
    var d = e.detail || {};
    var form = formOf(d.soal);
    if (form) form.setAttribute("data-rev", String(d.rev));
    if (pending[d.soal] && pending[d.soal].rev <= d.rev) { delete pending[d.soal]; keep(); }
    showPendingNote();
    count();
  });
  document.addEventListener("htmx:sendError", function (e) {
    var form = e.detail.elt;
    if (form && form.classList && form.classList.contains("qform")) {
      status(form, "is-pending", text.waiting);
      showPendingNote();
      count();
    }
  });
  // 409: the attempt was closed (submitted elsewhere, or time ran out): show why, then the result.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr && e.detail.xhr.status === 409) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.addEventListener("quizClosed", function () {
    setTimeout(function () { location.reload(); }, 2500);
  });

  function flush() {
    if (!navigator.onLine || !window.htmx) return;
    Object.keys(pending).forEach(function (qid) {
      var form = formOf(qid);
      if (form) window.htmx.trigger(form, "change");
    });
  }
  // Back on the page: answers typed but never acknowledged are put back and sent.
  Object.keys(pending).forEach(function (qid) {
    var form = formOf(qid), item = pending[qid];
    if (!form || !item || item.rev <= parseInt(form.getAttribute("data-rev") || "0", 10)) {
      delete pending[qid];
      return;
    }
    lastRev = Math.max(lastRev, item.rev);
    apply(form, item.fields || []);
    status(form, "is-pending", text.waiting);
  });
  keep();
  showPendingNote();
  window.addEventListener("load", flush);
  window.addEventListener("online", flush);

  // Journal rows: "tidak perlu jurnal" hides them; more rows on request.
  function toggleRows(box) {
    var rows = box.closest(".tx").querySelector(".txrows");
    if (rows) rows.hidden = box.checked;
  }
  function addRow(rows) {
    var lines = rows.querySelectorAll(".jline");
    if (lines.length >= 12) return null;
    var copy = lines[lines.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    rows.insertBefore(copy, rows.querySelector(".add-row"));
    return copy;
  }
  quiz.addEventListener("change", function (e) {
    if (e.target.classList && e.target.classList.contains("no-entry")) toggleRows(e.target);
  });
  quiz.querySelectorAll(".add-row").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var row = addRow(button.closest(".txrows"));
      if (row) row.querySelector("input").focus();
    });
  });

  function count() {
    var el = document.getElementById("answered");
    if (!el) return;
    var done = quiz.querySelectorAll(".qstatus.is-saved, .qstatus.is-pending").length;
    var total = el.getAttribute("data-total");
    el.textContent = en ? done + " of " + total + " questions answered" : done + " dari " + total + " soal terjawab";
  }

  // Submitting sends along whatever is still waiting on this device.
  var submit = document.getElementById("kirim");
  var sent = false;
  if (submit) {
    submit.addEventListener("submit", function (e) {
      if (!navigator.onLine) { e.preventDefault(); alert(text.offline); return; }
      if (sent) { e.preventDefault(); return; }
      var all = {};
      forms().forEach(function (form) {
        var qid = form.getAttribute("data-soal");
        if (pending[qid]) all[qid] = pending[qid];
      });
      submit.querySelector('[name="semua"]').value = JSON.stringify(all);
      sent = true;
      submit.querySelector("button").textContent = text.sending;
    });
  }

  // The clock: the server decides, this only shows what is left and sends at the end.
  var timer = document.getElementById("timer");
  if (timer) {
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    var skew = Date.parse(timer.getAttribute("data-now")) - Date.now();
    var left = timer.querySelector(".left");
    var tick = function () {
      var ms = deadline - (Date.now() + skew);
      if (ms <= 0) {
        left.textContent = text.over;
        clearInterval(handle);
        // A whole hall reaches the deadline together: each phone sends within the server's
        // grace period (30 s) at a moment of its own, so the server is not hit all at once.
        setTimeout(function () {
          if (!sent && submit && navigator.onLine) { submit.requestSubmit(); }
        }, Math.random() * 20000);
        return;
      }
      var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      left.textContent = "(" + (h ? h + ":" : "") + String(m).padStart(h ? 2 : 1, "0") + ":" + String(s % 60).padStart(2, "0") + " " + text.left + ")";
      timer.classList.toggle("is-short", ms < 5 * 60 * 1000);
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
