// Draft autosave: a form marked data-autosave is saved as a draft a few seconds after the last
// change and when the tab is hidden or closed, so nothing typed is lost. The server answers 204
// when the draft is stored and 422 when a field needs correcting (the next full save shows why).
// idle-warning.js asks for a save before the idle sign-out ("revere:save-drafts"); each answer
// from the server is announced ("revere:activity") since the server counted it as activity.
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    if (form.querySelector("[disabled]") && !form.querySelector("button[type=submit]")) return;
    var timer = null, dirty = false;
    var note = document.createElement("p");
    note.className = "small text-body-secondary mt-2 d-print-none";
    note.setAttribute("role", "status");
    form.appendChild(note);

    function save(keepalive) {
      if (!dirty) return;
      dirty = false;
      var data = new FormData(form);
      data.set("action", "save");
      // getAttribute: a control named "action" would shadow form.action.
      fetch(form.getAttribute("action") || window.location.href, {
        method: "POST", body: data, credentials: "same-origin", keepalive: !!keepalive,
        headers: { "X-Autosave": "1" }, redirect: "manual"
      }).then(function (response) {
        if (response.status === 401) {
          dirty = true;
          note.textContent = "You are signed out, so this was not saved: sign in again in another tab, then change a field here.";
          return;
        }
        document.dispatchEvent(new CustomEvent("revere:activity"));
        var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        if (response.status === 204) { note.textContent = "Draft saved automatically at " + time + "."; }
        else { note.textContent = "Not saved automatically: a field needs correcting. Use Save draft to see it."; }
      }).catch(function () {
        dirty = true;
        note.textContent = "Could not reach the server; your changes are still on this page.";
      });
    }
    form.addEventListener("input", function () { dirty = true; clearTimeout(timer); timer = setTimeout(save, 3000); });
    form.addEventListener("change", function () { dirty = true; clearTimeout(timer); timer = setTimeout(save, 3000); });
    form.addEventListener("submit", function () { dirty = false; clearTimeout(timer); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") save(true); });
    document.addEventListener("revere:save-drafts", function () { save(true); });
  });
})();
