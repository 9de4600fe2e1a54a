// Wide things scroll sideways inside their own box, never the page (portal.css: every .br-table,
// and .portal-scroll-x). A box that really scrolls — a table wider than the phone, the panel's
// matrix — must be reachable by keyboard too (WCAG 2.1.1; axe: scrollable-region-focusable): while
// it scrolls it is a focusable, named region (its table's caption); when it fits again it is
// plain again, so it adds no useless tab stop on a wide screen. A box that is focusable in its
// markup (the scroll_x macro in templates/_macros/ui.html) is left as it is.
(function () {
  "use strict";
  var BOXES = ".br-table, .portal-scroll-x";
  var OURS = "data-portal-scroll-region";  // marks the attributes this script added
  var observer = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.target.isConnected) { observer.unobserve(entry.target); return; }  // swapped out
      var box = entry.target.matches(BOXES) ? entry.target : entry.target.parentElement;
      if (box && box.matches(BOXES)) update(box);
    });
  }) : null;

  function label(box) {
    var caption = box.querySelector("caption");
    var text = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "";
    return text || "Tabela";
  }

  function update(box) {
    var ours = box.hasAttribute(OURS);
    if (!ours && box.hasAttribute("tabindex")) return;  // focusable in its markup
    var scrolls = getComputedStyle(box).overflowX !== "visible" &&
      box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !ours) {
      box.setAttribute(OURS, "");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", label(box));
    } else if (!scrolls && ours) {
      ["tabindex", "role", "aria-label", OURS].forEach(function (name) { box.removeAttribute(name); });
    }
  }

  function scan(root) {
    var boxes = Array.prototype.slice.call(root.querySelectorAll(BOXES));
    if (root.matches && root.matches(BOXES)) boxes.unshift(root);
    boxes.forEach(function (box) {
      update(box);
      if (observer && !box.hasAttribute("data-portal-scroll-watched")) {
        box.setAttribute("data-portal-scroll-watched", "");
        observer.observe(box);
        if (box.firstElementChild) observer.observe(box.firstElementChild);  // the table grows
      }
    });
  }

  if (window.htmx) {
    htmx.onLoad(scan);  // the page, and every fragment htmx swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  }
  // Web fonts arrive before the load event and may widen a table: look again then.
  window.addEventListener("load", function () { scan(document); });
})();
