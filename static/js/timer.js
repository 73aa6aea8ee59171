// Per-application IASTR timer: counts up to the limit (2:00), warns near the end, stops at the
// limit and writes the seconds into the duration field. Without JavaScript the block stays hidden
// and the seconds are typed.
(function () {
  "use strict";
  function format(seconds) {
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }
  document.querySelectorAll("[data-timer]").forEach(function (box) {
    var limit = parseInt(box.dataset.limit || "120", 10);
    var warnAt = parseInt(box.dataset.warn || "105", 10);
    var target = document.getElementById(box.dataset.target);
    var display = box.querySelector("[data-timer-display]");
    var status = box.querySelector("[data-timer-status]");
    var progress = box.querySelector("[data-timer-progress]");
    var bar = progress.querySelector(".progress-bar");
    var start = box.querySelector("[data-timer-start]");
    var pause = box.querySelector("[data-timer-pause]");
    var stop = box.querySelector("[data-timer-stop]");
    var elapsedMs = 0, startedAt = null, tick = null, warned = false;

    function seconds() {
      var ms = elapsedMs + (startedAt ? Date.now() - startedAt : 0);
      return Math.min(limit, Math.floor(ms / 1000));
    }
    function render() {
      var s = seconds();
      display.textContent = format(s);
      bar.style.width = (100 * s / limit) + "%";
      progress.setAttribute("aria-valuenow", s);
      if (s >= warnAt && s < limit) {
        bar.classList.add("bg-warning");
        box.classList.add("timer-warning");
        if (!warned) { status.textContent = (limit - s) + " seconds left"; warned = true; }
      }
      if (s >= limit) { finish("2:00 reached: the timer stopped."); }
    }
    function run() {
      if (startedAt) return;
      startedAt = Date.now();
      tick = setInterval(render, 250);
      start.disabled = true; pause.disabled = false; stop.disabled = false;
      status.textContent = "Running";
    }
    function hold() {
      if (!startedAt) return;
      elapsedMs += Date.now() - startedAt; startedAt = null;
      clearInterval(tick);
      start.disabled = false; start.textContent = "Resume"; pause.disabled = true;
      status.textContent = "Paused at " + format(seconds());
      render();
    }
    function finish(message) {
      if (startedAt) { elapsedMs += Date.now() - startedAt; startedAt = null; }
      clearInterval(tick);
      var s = seconds();
      if (s > 0) { target.value = s; target.dispatchEvent(new Event("change", { bubbles: true })); }
      display.textContent = format(s);
      bar.style.width = (100 * s / limit) + "%";
      start.disabled = false; start.textContent = "Start"; pause.disabled = true; stop.disabled = true;
      status.textContent = message || ("Stopped at " + format(s) + ": " + s + " seconds written.");
      elapsedMs = 0; warned = false;
      bar.classList.remove("bg-warning"); box.classList.remove("timer-warning");
    }
    start.addEventListener("click", run);
    pause.addEventListener("click", hold);
    stop.addEventListener("click", function () { finish(); });
    box.hidden = false;
  });
})();
