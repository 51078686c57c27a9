// Polls a background job's progress once a second and updates the page; reloads once the job
// has stopped so the server renders the result or the error. Loaded as a file (CSP: no inline).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.dataset.finished === "1") {
    return;
  }
  var url = box.dataset.progressUrl;
  var bar = box.querySelector('[data-job="bar"]');
  var status = box.querySelector('[data-job="status"]');
  var percent = box.querySelector('[data-job="percent"]');
  var counts = box.querySelector('[data-job="counts"]');

  function show(data) {
    if (data.total === null) {
      bar.removeAttribute("value");
    } else {
      bar.max = Math.max(data.total, 1);
      bar.value = data.done;
    }
    bar.textContent = data.percent + "%";
    percent.textContent = data.percent + "%";
    counts.textContent = data.done + " / " + (data.total === null ? "?" : data.total);
    status.textContent = data.status_label;
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          return null; // signed out or no longer allowed: stop polling
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data === null) {
          return;
        }
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(tick, 5000);
      });
  }

  window.setTimeout(tick, 1000);
})();
