// The print button of the printable credit notices (no inline handlers: the CSP forbids them).
(function () {
  "use strict";
  var button = document.getElementById("print-notice");
  if (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  }
})();
