// Typed work is never lost. A form with data-autosave="<url>" saves itself while the
// person types (a pause of AUTOSAVE_DELAY ms), says when it was saved, and saves before
// the page is left by a link; leaving the page any other way with unsaved changes asks
// first (the browser's own warning) and still tries to save on the way out.
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 1500;

  function state(form) {
    if (!form._draft) form._draft = { edits: 0, saved: 0, timer: null, running: null };
    return form._draft;
  }

  function isDirty(form) {
    var draft = state(form);
    return !draft.leaving && draft.edits !== draft.saved;
  }

  function dirtyForms() {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-autosave]"), isDirty);
  }

  function fields(form) {
    var data = new FormData(form);
    data.delete("files");  // files go through the uploader, never with the text
    data.delete("acao");
    return data;
  }

  function showStatus(form, html) {
    var status = form.querySelector("[data-autosave-status]");
    if (status) status.innerHTML = html;  // the server's own escaped fragment
  }

  // Saves what the form holds now; resolves to true when the server kept it.
  function save(form) {
    var draft = state(form);
    clearTimeout(draft.timer);
    if (draft.running) {  // one save at a time; the next one sends the newest text
      return draft.running.then(function () { return isDirty(form) ? save(form) : true; });
    }
    var edits = draft.edits;
    var data = fields(form);
    showStatus(form, "Salvando…");
    draft.running = fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": data.get("csrf_token") || "" },
    }).then(function (response) {
      return response.text().then(function (html) {
        // The server's line says why (422, 409); any other answer is not that fragment.
        if (response.ok || response.status === 409 || response.status === 422) {
          showStatus(form, html);
        } else if (response.status === 401) {
          showStatus(form, "Não foi salvo automaticamente: a sessão expirou. Copie o texto, " +
            "entre de novo e cole-o aqui.");
        } else {
          showStatus(form, "Não foi salvo automaticamente (erro " + response.status + "). " +
            "O texto continua aqui; tente salvar de novo.");
        }
        if (response.ok) draft.saved = edits;
        return response.ok;
      });
    }).catch(function () {
      showStatus(form, "Não foi salvo automaticamente: sem conexão. O texto continua aqui; " +
        "tente salvar de novo.");
      return false;
    }).finally(function () {
      draft.running = null;
    });
    return draft.running;
  }

  function edited(event) {
    var form = event.target.closest && event.target.closest("form[data-autosave]");
    if (!form || event.target.type === "file") return;
    var draft = state(form);
    draft.edits += 1;
    clearTimeout(draft.timer);
    draft.timer = setTimeout(function () { save(form); }, AUTOSAVE_DELAY);
  }

  document.addEventListener("input", edited);
  document.addEventListener("change", edited);

  // Its own buttons (Salvar rascunho, Enviar para análise) send everything it holds.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-autosave]");
    if (!form) return;
    var draft = state(form);
    clearTimeout(draft.timer);
    draft.leaving = true;
  });

  // A link (boosted by htmx) that replaces the page: save first, then go.
  if (window.htmx) {
    // Its own submit failed (no connection, a server error): the text is unsaved again.
    document.addEventListener("htmx:afterRequest", function (event) {
      var form = event.detail.elt && event.detail.elt.closest &&
        event.detail.elt.closest("form[data-autosave]");
      if (form && !event.detail.successful) state(form).leaving = false;
    });
    document.addEventListener("htmx:confirm", function (event) {
      var elt = event.detail.elt;
      var replacesPage = elt && elt.matches && elt.matches("a[href]") &&
        !elt.closest("form[data-autosave], #evidencias");
      var pending = dirtyForms();
      if (!replacesPage || !pending.length) return;
      event.preventDefault();
      Promise.all(pending.map(save)).then(function (saved) {
        var ok = saved.every(Boolean);
        if (ok || window.confirm("O relato não pôde ser salvo. Sair desta página mesmo assim?")) {
          event.detail.issueRequest(true);
        }
      });
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (!dirtyForms().length) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need it to show their warning
  });

  // Leaving anyway (closing the tab, typing an address): a last save on the way out.
  window.addEventListener("pagehide", function () {
    dirtyForms().forEach(function (form) {
      if (navigator.sendBeacon) navigator.sendBeacon(form.getAttribute("data-autosave"), fields(form));
    });
  });
})();
