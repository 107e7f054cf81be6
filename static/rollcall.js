/* Roll call: filter the list by name as the facilitator types (no request per keystroke). */
(function () {
  "use strict";
  var input = document.querySelector("[data-filter]");
  if (!input) return;
  var list = document.querySelector(input.getAttribute("data-filter"));
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = list.children;
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i].getAttribute("data-name") || "";
      rows[i].hidden = !words.every(function (w) { return name.indexOf(w) !== -1; });
    }
  });
})();
