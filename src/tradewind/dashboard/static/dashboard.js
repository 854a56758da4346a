/* Tradewind dashboard behaviour. Loaded as a static file: the Content-Security-Policy forbids
   inline scripts. Everything here is an enhancement; every page works without JavaScript. */
(function () {
  "use strict";

  function uploadForm(event) {
    var element = event.detail && event.detail.elt;
    return element && element.id === "upload-form" ? element : null;
  }

  function showProgress(form, percent) {
    var box = form.querySelector(".upload-progress");
    if (!box) return;
    box.hidden = false;
    var bar = box.querySelector("progress");
    var label = box.querySelector(".upload-percent");
    bar.value = percent;
    bar.textContent = percent + "%";
    label.textContent = percent >= 100 ? "Processing…" : percent + "%";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploadForm(event);
    if (!form) return;
    showProgress(form, 0);
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = uploadForm(event);
    if (!form || !event.detail.lengthComputable) return;
    showProgress(form, Math.floor((event.detail.loaded / event.detail.total) * 100));
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event);
    if (!form) return;
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = false;
  });

  // Move keyboard focus to what was just loaded (confirmation boxes, errors).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    var heading = target.querySelector("h2, h3, .form-error");
    if (target.id === "confirm-panel" || target.id === "alerts") {
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    }
  });

  // Escape closes an inline confirmation.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var panel = document.getElementById("confirm-panel");
    if (panel && panel.contains(document.activeElement)) {
      panel.innerHTML = "";
    }
  });

  // A "Copy" button next to secrets shown once (API tokens).
  function addCopyButtons(root) {
    root.querySelectorAll("input.secret").forEach(function (input) {
      if (input.dataset.copyReady || !navigator.clipboard) return;
      input.dataset.copyReady = "1";
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Copy";
      button.className = "copy-button";
      button.setAttribute("aria-label", "Copy the token to the clipboard");
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = "Copied";
        });
      });
      input.insertAdjacentElement("afterend", button);
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { addCopyButtons(document); });
  document.addEventListener("htmx:load", function (event) { addCopyButtons(event.detail.elt); });
})();
