// Back office, every page: accessible names for controls that Django's admin builds in the
// browser or renders without a label, where no template can reach them. A MutationObserver
// repairs them as they appear (on load, when select2 or the filter boxes start, when an
// inline row is added), so nothing is left unnamed even for a moment after the page loads.
(function () {
  "use strict";

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function unnamed(control) {
    return !(control.labels && control.labels.length) &&
      !control.hasAttribute("aria-label") && !control.hasAttribute("aria-labelledby");
  }

  // filter_horizontal (SelectFilter2.js) puts aria-label on a plain <span> inside each search
  // box's <label>; ARIA forbids a name on a generic element. As an image the name is allowed,
  // and it becomes the search box's label.
  function nameFilterIcons() {
    document.querySelectorAll(".selector .help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  // autocomplete_fields (select2) names its combobox by the chosen value only: with nothing
  // chosen it has no name at all. The field's own label goes in front.
  function nameAutocompletes() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var container = select.nextElementSibling;
      var box = container && container.querySelector(".select2-selection[role=combobox]");
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      if (!box || !label || box.hasAttribute("data-named")) {
        return;
      }
      label.id = label.id || select.id + "-label";
      var rendered = box.querySelector(".select2-selection__rendered");
      if (rendered) {
        // It is a read-only textbox of its own, which needs a name too.
        rendered.setAttribute("aria-labelledby", label.id);
      }
      box.setAttribute("aria-labelledby", (label.id + " " + (box.getAttribute("aria-labelledby") || "")).trim());
      box.setAttribute("data-named", "");
    });
  }

  // list_editable fields in a change list have no label: each is named by its column's
  // header and its row's first column ("Display order, Initial consultation").
  function nameListEditables() {
    var table = document.getElementById("result_list");
    if (!table || !table.tHead) {
      return;
    }
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, text);
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var rowName = text(row.querySelector("th"));
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
          if (unnamed(control)) {
            control.setAttribute("aria-label", headers[index] + (rowName ? ", " + rowName : ""));
          }
        });
      });
    });
  }

  var queued = false;
  function repair() {
    queued = false;
    nameFilterIcons();
    nameAutocompletes();
    nameListEditables();
  }

  new MutationObserver(function () {
    if (!queued) {
      queued = true;
      queueMicrotask(repair);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", repair);
})();
