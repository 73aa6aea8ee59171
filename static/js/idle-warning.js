// Idle sign-out warning. The server signs a user out after data-idle-minutes (on <body>) without
// a request; data-idle-seconds-left is what remained when this page was made. About two minutes
// before, this shows the "Stay signed in" alert, whose form POSTs to the keepalive URL. Shortly
// before, it asks autosave.js to save every draft (event "revere:save-drafts"); after the
// deadline it loads the page again so the server signs out and the login page says why.
// Requests made by autosave ("revere:activity") and activity in other tabs (localStorage) restart
// the count. The server records activity at most once a minute, so after such a request its
// deadline may be up to a minute earlier than ours: drafts are saved 90 s before our deadline,
// and we leave only after it (leaving earlier would be a request that extends the session).
(function () {
  "use strict";
  var body = document.body;
  var minutes = parseInt(body.getAttribute("data-idle-minutes"), 10);
  var secondsLeft = parseInt(body.getAttribute("data-idle-seconds-left"), 10);
  var form = document.getElementById("idle-warning");
  if (!minutes || !form || !window.fetch) return;
  var WARN_MS = 150 * 1000, SAVE_MS = 90 * 1000, AFTER_MS = 5 * 1000, KEY = "revere-last-activity";
  var idleMs = minutes * 60 * 1000, deadline, draftsSaved, leaving = false;
  var text = form.querySelector("[data-idle-text]");

  function restart(newDeadline) {
    deadline = newDeadline;
    draftsSaved = false;
    form.hidden = true;
  }
  function activity(at, share) {
    restart(at + idleMs);
    if (share) { try { localStorage.setItem(KEY, String(at)); } catch (e) { /* private mode */ } }
  }
  function leave() {
    if (leaving) return;
    leaving = true;
    window.location.assign(window.location.href);
  }
  function tick() {
    var left = deadline - Date.now();
    if (left <= WARN_MS && left > 0 && form.hidden) {
      var mins = Math.max(1, Math.round(left / 60000));
      text.textContent = "You will be signed out in " + mins + " minute" + (mins === 1 ? "" : "s") +
        " because of inactivity. Your drafts are saved automatically.";
      form.hidden = false;
    }
    if (left <= SAVE_MS && !draftsSaved) {
      draftsSaved = true;
      document.dispatchEvent(new CustomEvent("revere:save-drafts"));
    }
    if (left <= -AFTER_MS) leave();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.getAttribute("action"), {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual",
      headers: { "X-Keepalive": "1" }
    }).then(function (response) {
      if (response.status === 204) activity(Date.now(), true); else leave();
    }).catch(function () { /* offline: the alert stays, the user can try again */ });
  });
  document.addEventListener("revere:activity", function () { activity(Date.now(), true); });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY && event.newValue) activity(parseInt(event.newValue, 10) || Date.now(), false);
  });
  restart(Date.now() + (isNaN(secondsLeft) ? idleMs : secondsLeft * 1000));
  setInterval(tick, 5000);
})();
