// Behaviour for the portal. No inline scripts: CSP forbids them.
(function () {
  "use strict";

  // gov.br DS components: initialised once per element, for the page at load
  // and for every fragment htmx swaps in (htmx.onLoad runs for both).
  function fixMenu(menu) {  // a11y: aria-expanded belongs on the trigger, not the panel
    var open = menu._openMenu.bind(menu), close = menu._closeMenu.bind(menu);
    if (menu.trigger) menu.trigger.setAttribute("aria-expanded", "false");
    menu._openMenu = function () {
      open(); menu.component.removeAttribute("aria-expanded");
      if (menu.trigger) menu.trigger.setAttribute("aria-expanded", "true");
    };
    menu._closeMenu = function () {
      close(); if (menu.trigger) menu.trigger.setAttribute("aria-expanded", "false");
    };
  }
  var COMPONENTS = [
    [".br-menu", "BRMenu", null, fixMenu],
    [".br-input", "BRInput"],
  ];

  function initGovbr(root) {
    if (!window.core) return;
    COMPONENTS.forEach(function (spec) {
      var elements = Array.prototype.slice.call(root.querySelectorAll(spec[0]));
      if (root.matches && root.matches(spec[0])) elements.unshift(root);
      elements.forEach(function (el) {
        if (el.hasAttribute("data-br-init")) return;
        el.setAttribute("data-br-init", "");
        try {
          var instance = new window.core[spec[1]](spec[0].slice(1), el, spec[2]);
          if (spec[3]) spec[3](instance);
        } catch (error) {
          console.error("gov.br DS: falha ao iniciar", spec[0], error);
        }
      });
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

  if (window.htmx) {
    htmx.onLoad(initGovbr);
    document.addEventListener("htmx:afterSwap", function (event) {
      // History restores and some redirects swap without a target element.
      var target = event.detail && event.detail.target;
      if (target && target.querySelector) focusFirstInvalid(target);
    });
    // A boosted navigation replaced the page: start again at the main content, as a
    // full page load would, so keyboard and screen-reader users are not left behind.
    document.addEventListener("htmx:afterSettle", function (event) {
      if (!event.detail.boosted || document.querySelector("[aria-invalid='true']")) return;
      var main = document.getElementById("conteudo");
      if (main) main.focus({ preventScroll: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstInvalid(document); });
})();
