// The main navigation (templates/base.html, #menu-principal): the "Menu" button that collapses
// it below the desktop breakpoint, and its groups ("Rede", "Administração"), which are
// <details> elements — they open by click, Enter or Space with or without JavaScript.
//
// Loaded without `defer` in <head>: the "js" class is on <html> before the first paint, so the
// collapsed menu never flashes open (without JavaScript the CSS keeps the button hidden and the
// items listed). Every listener is delegated from the document, so it also serves the header
// that a boosted navigation swaps in. No inline script: CSP forbids it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var DESKTOP = "(min-width: 992px)";  // the gov.br DS desktop breakpoint; portal.css agrees
  var GROUP = "#menu-principal details";

  function isDesktop() {
    return window.matchMedia(DESKTOP).matches;
  }

  function toggleButton() {
    return document.querySelector(".portal-menu-toggle");
  }

  function closeGroups(except) {
    Array.prototype.forEach.call(document.querySelectorAll(GROUP + "[open]"), function (group) {
      if (group !== except) group.open = false;
    });
  }

  function setMenuOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) closeGroups(null);
  }

  function menuIsCollapsible(button) {
    return button && !isDesktop() && button.offsetParent !== null;
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var button = target.closest(".portal-menu-toggle");
    if (button) {
      setMenuOpen(button, button.getAttribute("aria-expanded") !== "true");
      return;
    }
    // The skip link "Ir para o menu" on a narrow screen: open the menu and go to its first item.
    if (target.closest("a[href='#menu-principal']")) {
      var toggle = toggleButton();
      if (menuIsCollapsible(toggle)) {
        event.preventDefault();
        setMenuOpen(toggle, true);
        var first = document.querySelector("#menu-principal-itens a, #menu-principal-itens summary");
        if (first) first.focus();
      }
      return;
    }
    // A click anywhere else closes an open group (on a desktop it is a drop-down over the page).
    if (!target.closest(GROUP)) closeGroups(null);
  });

  // Only one group open at a time ("toggle" does not bubble: listen in the capture phase).
  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (group instanceof Element && group.matches(GROUP) && group.open) closeGroups(group);
  }, true);

  // Escape closes the innermost open thing and puts the focus on what opened it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !(event.target instanceof Element)) return;
    var group = event.target.closest(GROUP + "[open]");
    if (group) {
      event.preventDefault();
      group.open = false;
      group.querySelector("summary").focus();
      return;
    }
    var button = toggleButton();
    if (event.target.closest("#menu-principal") && menuIsCollapsible(button) &&
        button.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      setMenuOpen(button, false);
      button.focus();
    }
  });

  // On a desktop, a drop-down closes when the keyboard focus leaves it. (A null relatedTarget —
  // focus going nowhere, as a click on a non-focusable spot or on a link in Safari does — is left
  // to the click handler above, so that such a click still reaches its link.)
  document.addEventListener("focusout", function (event) {
    if (!(event.target instanceof Element) || !isDesktop()) return;
    var group = event.target.closest(GROUP + "[open]");
    var next = event.relatedTarget;
    if (group && next instanceof Element && !group.contains(next)) group.open = false;
  });
})();
