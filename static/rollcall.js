/* Roll call: filter the list by name as the facilitator types (no request per keystroke). A row
   that htmx swaps in after a tap is filtered again, so a slow answer arriving after the next
   search does not bring back a row that no longer matches. */
(function () {
  "use strict";
  var input = document.querySelector("[data-filter]");
  if (!input) return;
  var list = document.querySelector(input.getAttribute("data-filter"));
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = list.children;
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].getAttribute("data-name") || "";
      rows[i].hidden = !words.every(function (w) { return name.indexOf(w) !== -1; });
    }
  }
  input.addEventListener("input", apply);
  document.addEventListener("htmx:afterSettle", apply);
})();
