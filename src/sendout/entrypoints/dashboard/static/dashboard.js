// What every dashboard page does in the browser, from this file only: the Content Security
// Policy forbids inline scripts and inline event handlers, so pages carry data in data-*
// attributes (read as plain text, never as code) and the behaviour is attached here.
(function () {
  "use strict";

  // The notice came in the URL after a form: shown once, not again on reload.
  if (document.querySelector(".notice")) {
    const url = new URL(window.location.href);
    if (url.searchParams.has("notice")) {
      url.searchParams.delete("notice");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  }

  // A select that submits its form when changed (the operator's project switcher).
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // A form that asks first: the question is the form's data-confirm text (plain text).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
