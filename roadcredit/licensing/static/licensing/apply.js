// The one form: add vehicle rows by copying the last one (no inline script under the CSP).
(function () {
  "use strict";
  var button = document.getElementById("add-vehicle");
  var rows = document.getElementById("vehicle-rows");
  if (!button || !rows) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var last = rows.lastElementChild;
    if (!last) {
      return;
    }
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
    });
    rows.appendChild(copy);
    var first = copy.querySelector("input");
    if (first) {
      first.focus();
    }
  });
})();
