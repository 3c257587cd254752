// The booking journey's behaviour. No inline scripts anywhere: the Content Security Policy
// forbids them, so everything is wired here.
(function () {
  "use strict";

  // Screen-reader and keyboard users land on what changed: the error summary when a form came
  // back with errors, otherwise the step's heading.
  function focusStart() {
    var target = document.querySelector(".error-summary") || document.querySelector("[data-step-heading]");
    if (target) {
      target.focus();
    }
  }

  // After htmx swapped the month grid or the times, move focus to the part that changed, so a
  // keyboard user is not left on a link that no longer exists.
  function focusAfterSwap(event) {
    var config = event.detail && event.detail.requestConfig;
    var source = config && config.elt;
    var id = source && source.getAttribute ? source.getAttribute("data-focus-after") : null;
    if (!id) {
      return;
    }
    var target = document.getElementById(id);
    if (target) {
      target.focus();
    }
  }

  // A second click while the confirmation is on its way would only repeat it (the server
  // answers it with the same booking); disabling the button avoids the confusion. The words
  // shown meanwhile come from the attribute, written by the template in the page's language.
  function submitOnce(event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-submit-once")) {
      var busy = button.getAttribute("data-submit-once");
      window.setTimeout(function () {
        button.disabled = true;
        if (busy) {
          button.textContent = busy;
        }
      }, 0);
    }
  }

  // The picker moves by htmx (month, day, clinician) and pushes the new address. The language
  // switch was written with the page's first address: it follows, so switching keeps the day.
  // Only the query changes within the picker, so the switch's own path (the other language's
  // page) is kept.
  function withCurrentQuery(element, attribute) {
    var target = new URL(element.getAttribute(attribute) || window.location.href, window.location.href);
    target.search = window.location.search;
    element.setAttribute(attribute, target.pathname + target.search);
  }

  function switchFollowsAddress() {
    document.querySelectorAll("a.language-switch").forEach(function (link) {
      withCurrentQuery(link, "href");
    });
    document.querySelectorAll("form.language-switch-form").forEach(function (form) {
      withCurrentQuery(form, "action");
    });
  }

  // The review step is the answer to a POST. Leaving it by a form (confirming, choosing another
  // time), its history entry is first pointed at a plain page of ours (the day's times), so Back
  // from the next page loads that page instead of the browser's "Confirm Form Resubmission" /
  // ERR_CACHE_MISS: the review is never stored (no-store), so it cannot be shown again.
  function replaceHistoryOnLeave(event) {
    var form = event.target;
    var url = form && form.getAttribute ? form.getAttribute("data-history-url") : null;
    if (url && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", url);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusStart);
  } else {
    focusStart();
  }
  document.addEventListener("htmx:afterSettle", focusAfterSwap);
  document.addEventListener("htmx:pushedIntoHistory", switchFollowsAddress);
  document.addEventListener("htmx:historyRestore", switchFollowsAddress);
  document.addEventListener("submit", submitOnce);
  document.addEventListener("submit", replaceHistoryOnLeave);
})();
