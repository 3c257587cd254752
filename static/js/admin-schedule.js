// Staff back office: small enhancements only; every page works without JavaScript.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // The schedule's date and practitioner pickers reload the view when changed.
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.querySelectorAll("select").forEach(function (input) {
        input.addEventListener("change", function () {
          form.requestSubmit();
        });
      });
    });

    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });

    // "Select all" in the disruption list.
    document.querySelectorAll("[data-check-all]").forEach(function (master) {
      var name = master.getAttribute("data-check-all");
      master.addEventListener("change", function () {
        document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
          box.checked = master.checked;
        });
      });
    });
  });
})();
