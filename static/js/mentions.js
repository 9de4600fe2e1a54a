// @-mentions in forum messages: typing "@" and a name asks the server (htmx) for people and
// shows them in a listbox under the field. The field becomes a WAI-ARIA combobox while this
// script runs (role=combobox, aria-expanded, aria-controls, aria-activedescendant); without
// JavaScript it stays a plain text area. Choosing a person inserts "@[Nome](user:123)", the
// form the server stores and renders as a link to the person's card (never the e-mail).
// Keys: ↓/↑ move, Enter or Tab choose, Esc closes. No inline script or style (strict CSP).
(function () {
  "use strict";

  var TOKEN = /(^|[\s(>])@([\p{L}\p{N}.'-]{1,40}(?: [\p{L}\p{N}.'-]{0,40})?)$/u;
  var DELAY_MS = 200;

  function setUp(field) {
    if (field.hasAttribute("data-mentions-ready")) return;
    var list = document.getElementById(field.getAttribute("data-mentions-list"));
    if (!list) return;
    field.setAttribute("data-mentions-ready", "");
    var status = document.getElementById(list.id + "-status");
    var url = field.getAttribute("data-mentions");
    var state = { start: -1, active: -1, timer: null, sequence: 0 };

    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-haspopup", "listbox");
    field.setAttribute("aria-expanded", "false");
    field.setAttribute("aria-controls", list.id);

    function options() {
      return Array.prototype.slice.call(list.querySelectorAll("[role='option']"));
    }

    function say(text) {
      if (status) status.textContent = text;
    }

    function close() {
      clearTimeout(state.timer);
      state.sequence += 1;  // a late answer no longer opens the list
      state.start = -1;
      state.active = -1;
      list.hidden = true;
      list.replaceChildren();
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }

    function activate(index) {
      var items = options();
      if (!items.length) return;
      state.active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === state.active ? "true" : "false");
        item.classList.toggle("forum-mention-active", i === state.active);
      });
      field.setAttribute("aria-activedescendant", items[state.active].id);
      items[state.active].scrollIntoView({ block: "nearest" });
    }

    function choose(item) {
      if (!item || state.start < 0) return;
      var name = item.getAttribute("data-name").replace(/[\[\]\n]/g, " ").trim();
      var mention = "@[" + name + "](user:" + item.getAttribute("data-user-id") + ") ";
      var caret = field.selectionStart;
      field.value = field.value.slice(0, state.start) + mention + field.value.slice(caret);
      var after = state.start + mention.length;
      field.setSelectionRange(after, after);
      close();
      say(name + " mencionado(a).");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function lookUp(query, start) {
      var sequence = ++state.sequence;
      htmx.ajax("GET", url, { target: list, swap: "innerHTML", values: { q: query } })
        .then(function () {
          if (sequence !== state.sequence) return;
          var items = options();
          items.forEach(function (item, i) { item.id = list.id + "-opcao-" + i; });
          if (!items.length) {
            list.hidden = true;
            field.setAttribute("aria-expanded", "false");
            field.removeAttribute("aria-activedescendant");
            say("Nenhuma pessoa encontrada para “" + query + "”.");
            return;
          }
          state.start = start;
          list.hidden = false;
          field.setAttribute("aria-expanded", "true");
          activate(0);
          say(items.length + (items.length === 1 ? " pessoa encontrada" : " pessoas encontradas") +
              ". Use as setas para escolher e Enter para mencionar.");
        });
    }

    field.addEventListener("input", function () {
      var before = field.value.slice(0, field.selectionStart);
      var match = TOKEN.exec(before);
      if (!match) { close(); return; }
      var query = match[2];
      var start = before.length - query.length - 1;
      clearTimeout(state.timer);
      state.timer = setTimeout(function () { lookUp(query, start); }, DELAY_MS);
    });

    field.addEventListener("keydown", function (event) {
      if (field.getAttribute("aria-expanded") !== "true") return;
      var items = options();
      if (event.key === "ArrowDown") { event.preventDefault(); activate(state.active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); activate(state.active - 1); }
      else if (event.key === "Enter" || event.key === "Tab") {
        if (state.active >= 0 && items[state.active]) { event.preventDefault(); choose(items[state.active]); }
      } else if (event.key === "Escape") { event.preventDefault(); close(); }
    });

    field.addEventListener("blur", function () { setTimeout(close, 150); });

    list.addEventListener("mousedown", function (event) {
      event.preventDefault();  // keep the focus (and the caret) in the field
      var item = event.target.closest("[role='option']");
      if (item) choose(item);
    });
  }

  function init(root) {
    var fields = Array.prototype.slice.call(root.querySelectorAll("textarea[data-mentions]"));
    if (root.matches && root.matches("textarea[data-mentions]")) fields.unshift(root);
    fields.forEach(setUp);
  }

  if (window.htmx) {
    htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      if (window.htmx) htmx.onLoad(init); else init(document);
    });
  }
})();
