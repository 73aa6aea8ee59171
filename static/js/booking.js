// The booking page (issue 10): choosing another type or practitioner lists its free times at once.
// Without JavaScript the "Show free times" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-booking-criteria]");
  if (!form) {
    return;
  }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () { form.requestSubmit(); });
  });
})();
