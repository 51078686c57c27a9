// Ask before submitting a form that carries data-confirm (e.g. removing an allow-list entry).
// Loaded as a static file because the content security policy forbids inline scripts.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
