// Idle sign-out warning. The server signs a user out after data-idle-minutes (on <body>) without
// a request; two minutes before, this shows the "Stay signed in" alert, whose form POSTs to the
// keepalive URL. Shortly before the deadline it asks autosave.js to save every draft (event
// "revere:save-drafts"), then at the deadline reloads the page so the server's sign-out message
// shows. Requests made by autosave ("revere:activity") and activity in other tabs (localStorage)
// restart the count, as they do on the server.
(function () {
  "use strict";
  var minutes = parseInt(document.body.getAttribute("data-idle-minutes"), 10);
  var form = document.getElementById("idle-warning");
  if (!minutes || !form || !window.fetch) return;
  var WARN_MS = 2 * 60 * 1000, SAVE_MS = 20 * 1000, KEY = "revere-last-activity";
  var idleMs = minutes * 60 * 1000, last = Date.now(), draftsSaved = false, leaving = false;
  var text = form.querySelector("[data-idle-text]");

  function activity(at, share) {
    last = at || Date.now();
    draftsSaved = false;
    form.hidden = true;
    if (share) { try { localStorage.setItem(KEY, String(last)); } catch (e) { /* private mode */ } }
  }
  function leave() {
    if (leaving) return;
    leaving = true;
    // A GET of this page: the server signs out and shows why on the login page.
    window.location.assign(window.location.href);
  }
  function tick() {
    var left = last + idleMs - Date.now();
    if (left <= WARN_MS && form.hidden && left > 0) {
      var mins = Math.max(1, Math.round(left / 60000));
      text.textContent = "You will be signed out in " + mins + " minute" + (mins === 1 ? "" : "s") +
        " because of inactivity. Your drafts are saved automatically.";
      form.hidden = false;
    }
    if (left <= SAVE_MS && !draftsSaved) {
      draftsSaved = true;
      document.dispatchEvent(new CustomEvent("revere:save-drafts"));
    }
    if (left <= -2000) leave();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.getAttribute("action"), {
      method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual",
      headers: { "X-Keepalive": "1" }
    }).then(function (response) {
      if (response.status === 204) activity(Date.now(), true); else leave();
    }).catch(function () { /* offline: keep the alert up, the user can try again */ });
  });
  document.addEventListener("revere:activity", function () { activity(Date.now(), true); });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY && event.newValue) activity(parseInt(event.newValue, 10) || Date.now(), false);
  });
  activity(Date.now(), true);
  setInterval(tick, 5000);
})();
