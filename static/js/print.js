// Print buttons: <button type="button" data-print hidden>. The Content-Security-Policy forbids
// inline onclick handlers, so the listener is attached here; without JavaScript the button stays
// hidden and the browser's own Print command does the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
    button.hidden = false;
  });
})();
