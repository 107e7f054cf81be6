/* Projector page: draw the check-in QR from the URL the server sends (data-qr). The code changes
   every 15 seconds; htmx replaces the block and this draws the new one. Drawing here keeps the QR
   encoder out of the web worker (its memory bar) and sends a short URL instead of an image. */
(function () {
  "use strict";
  function draw(root) {
    var boxes = (root || document).querySelectorAll("[data-qr]");
    for (var i = 0; i < boxes.length; i++) {
      var qr = qrcode(0, "M");
      qr.addData(boxes[i].getAttribute("data-qr"));
      qr.make();
      boxes[i].innerHTML = qr.createSvgTag({ cellSize: 4, margin: 8, scalable: true });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
