// 亮证: keeps the live code fresh. Every `data-refresh` seconds it fetches a new short-lived,
// signed presentation code from the server; when a code's lifetime runs out before a new one
// arrives (no network), the old code is blanked out rather than left on screen. A running clock
// shows the screen is live, not a screenshot.
(function () {
  "use strict";
  var root = document.getElementById("present");
  if (!root) {
    return;
  }
  var image = document.getElementById("present-qr");
  var countdown = document.getElementById("present-countdown");
  var clock = document.getElementById("present-clock");
  var error = document.getElementById("present-error");
  var refreshMs = (parseInt(root.dataset.refresh, 10) || 30) * 1000;
  // Measure the lifetime on the server's clock, count it down on the phone's clock.
  var lifetimeMs = Date.parse(root.dataset.expires) - Date.parse(root.dataset.issued);
  var deadline = Date.now() + (isFinite(lifetimeMs) ? lifetimeMs : 60000);
  var busy = false;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function clearError() {
    error.textContent = "";
    error.hidden = true;
  }

  function tick() {
    var now = new Date();
    clock.textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    var left = Math.ceil((deadline - now.getTime()) / 1000);
    if (left <= 0) {
      image.classList.add("expired");
      image.removeAttribute("data-url");
      countdown.textContent = root.dataset.msgExpired;
      if (!busy) {
        refresh();
      }
    } else {
      countdown.textContent = root.dataset.msgLeft.replace("{seconds}", String(left));
    }
  }

  function refresh() {
    busy = true;
    fetch(root.dataset.codeUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") === -1) {
          throw new Error("session");
        }
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (reply) {
        if (!reply.ok) {
          showError(reply.body.message);
          return;
        }
        var body = reply.body;
        image.src = body.image;
        image.dataset.url = body.url;
        image.classList.remove("expired");
        deadline = Date.now() + (Date.parse(body.expires_at) - Date.parse(body.issued_at));
        clearError();
        tick();
      })
      .catch(function (problem) {
        showError(problem && problem.message === "session" ? root.dataset.msgSession : root.dataset.msgNetwork);
      })
      .then(function () {
        busy = false;
      });
  }

  var fullscreen = document.getElementById("present-fullscreen");
  if (fullscreen) {
    if (!document.fullscreenEnabled) {
      fullscreen.hidden = true;
    }
    fullscreen.addEventListener("click", function () {
      if (root.requestFullscreen) {
        root.requestFullscreen().catch(function () {});
      }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !busy) {
      refresh();
    }
  });
  window.setInterval(function () {
    if (!busy) {
      refresh();
    }
  }, refreshMs);
  window.setInterval(tick, 1000);
  tick();
})();
