// Behaviour for the portal. No inline scripts: CSP forbids them.
(function () {
  "use strict";

  function initGovbr(root) {
    // The gov.br DS initialises the whole document on load; content swapped in
    // later by htmx is initialised here, only inside the new element.
    if (!window.core || root === document.body) return;
    var classes = window.core;
    root.querySelectorAll(".br-header").forEach(function (el) {
      if (classes.BRHeader && !el.dataset.portalInit) { new classes.BRHeader("br-header", el); el.dataset.portalInit = "1"; }
    });
  }

  function focusFirstInvalid(root) {
    var invalid = root.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
  }

  function showToast(message, level) {
    var region = document.getElementById("avisos");
    if (!region) return;
    var box = document.createElement("div");
    box.className = "br-message " + (level || "success");
    box.setAttribute("role", "status");
    var content = document.createElement("div");
    content.className = "content";
    var body = document.createElement("span");
    body.className = "message-body";
    body.textContent = message;
    content.appendChild(body);
    box.appendChild(content);
    region.appendChild(box);
    setTimeout(function () { box.remove(); }, 7000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss='message']");
    if (button) {
      var message = button.closest(".br-message");
      if (message) message.remove();
    }
  });

  document.addEventListener("portal:toast", function (event) {
    showToast(event.detail.message, event.detail.level);
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstInvalid(document);
    if (!window.htmx) return;
    htmx.onLoad(function (elt) { initGovbr(elt); });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      focusFirstInvalid(event.detail.target);
    });
  });
})();
