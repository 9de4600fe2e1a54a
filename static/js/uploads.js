// Evidence uploads: "Escolher arquivos" opens the file chooser (by click, Enter or Space);
// files may also be dropped on the area. Each file is sent in a request of its own, at
// once, with its progress bar, a way to cancel it and, when it fails, to try again. Only
// the evidence region is replaced: the report being typed above it is never touched.
// Without JavaScript the draft form's own file field posts every chosen file at once.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name='csrf_token']");
    return input ? input.value : "";
  }

  function currentForm() {
    return document.querySelector("form[data-uploader]");
  }

  function progressList() {
    var form = currentForm();
    return form && form.querySelector("[data-progress]");
  }

  function button(label, action, name) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "br-button secondary small";
    element.setAttribute("data-upload-action", action);
    element.textContent = label;
    var hidden = document.createElement("span");
    hidden.className = "sr-only";
    hidden.textContent = " " + name;
    element.appendChild(hidden);
    return element;
  }

  // An upload belongs to the entrega it was chosen on: it is sent there and shows its result
  // there, even when the person has moved on to another page meanwhile.
  function Upload(file, form) {
    this.file = file;
    this.action = form.action;
    this.token = csrfToken(form);
    this.deliverable = form.closest("#evidencias").getAttribute("data-deliverable");
    this.item = document.createElement("li");
    var name = document.createElement("span");
    name.className = "portal-upload-name";
    name.textContent = file.name;
    this.bar = document.createElement("progress");
    this.bar.max = 100;
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", "Progresso do envio de " + file.name);
    this.state = document.createElement("span");
    this.state.className = "portal-upload-state";
    this.actions = document.createElement("span");
    this.actions.className = "portal-upload-actions";
    this.item.appendChild(name);
    this.item.appendChild(this.bar);
    this.item.appendChild(this.state);
    this.item.appendChild(this.actions);
    this.item._upload = this;
    this.show("aguardando", [["Cancelar", "cancel"]]);
  }

  Upload.prototype.show = function (text, actions, outcome) {
    this.state.textContent = text;
    this.item.classList.remove("portal-upload-ok", "portal-upload-error");
    if (outcome) this.item.classList.add("portal-upload-" + outcome);
    this.actions.replaceChildren();
    var name = this.file.name;
    (actions || []).forEach(function (spec) {
      this.actions.appendChild(button(spec[0], spec[1], name));
    }, this);
  };

  Upload.prototype.send = function () {
    var upload = this;
    upload.bar.value = 0;
    upload.show("enviando", [["Cancelar", "cancel"]]);
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrf_token", upload.token);
      data.append("files", upload.file, upload.file.name);
      var xhr = new XMLHttpRequest();
      upload.xhr = xhr;
      running += 1;
      xhr.addEventListener("loadend", function () { upload.xhr = null; running -= 1; });
      xhr.open("POST", upload.action);
      xhr.setRequestHeader("HX-Request", "true");
      xhr.setRequestHeader("X-CSRFToken", upload.token);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          upload.bar.value = Math.round((event.loaded / event.total) * 100);
          upload.state.textContent = upload.bar.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        var ok = xhr.status >= 200 && xhr.status < 300;
        if (ok) {
          upload.bar.value = 100;
          upload.show("concluído", [], "ok");
          replaceEvidence(xhr.responseText, upload.deliverable);
        } else {
          var parsed = new DOMParser().parseFromString(xhr.responseText, "text/html");
          var body = parsed.querySelector(".message-body");
          upload.fail(body ? body.textContent : "falhou (erro " + xhr.status + ")");
        }
        resolve();
      });
      xhr.addEventListener("error", function () {
        upload.fail("falhou: verifique a conexão e tente de novo");
        resolve();
      });
      xhr.addEventListener("abort", function () {
        upload.fail("cancelado");
        resolve();
      });
      xhr.send(data);
    });
  };

  Upload.prototype.fail = function (text) {
    this.show(text, [["Tentar de novo", "retry"], ["Descartar", "discard"]], "error");
  };

  // One file at a time, in the order chosen: the server counts files per version.
  var queue = Promise.resolve();
  var running = 0;

  function uploadAll(files) {
    var list = progressList();
    if (!list || !window.FormData) return;
    var form = currentForm();
    Array.prototype.forEach.call(files, function (file) {
      var upload = new Upload(file, form);
      list.appendChild(upload.item);
      queue = queue.then(function () {
        return upload.cancelled ? null : upload.send();
      });
    });
    var input = form.querySelector("input[type='file']");
    if (input) input.value = "";
  }

  // The fresh evidence region keeps the progress list (the uploads still running). Only on the
  // page of the entrega the file went to.
  function replaceEvidence(html, deliverable) {
    var region = document.getElementById("evidencias");
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("evidencias");
    if (!region || !fresh || region.getAttribute("data-deliverable") !== deliverable) return;
    var progress = region.querySelector("[data-progress]");
    var freshProgress = fresh.querySelector("[data-progress]");
    document.adoptNode(fresh);
    if (progress && freshProgress) freshProgress.replaceWith(progress);
    region.replaceWith(fresh);
    if (window.htmx) htmx.process(fresh);
  }

  document.addEventListener("click", function (event) {
    var choose = event.target.closest("[data-choose-files]");
    if (choose) {
      var input = choose.closest("form") && choose.closest("form").querySelector("input[type='file']");
      if (input) input.click();
      return;
    }
    var action = event.target.closest("[data-upload-action]");
    var item = action && action.closest("li");
    var upload = item && item._upload;
    if (!upload) return;
    var kind = action.getAttribute("data-upload-action");
    if (kind === "cancel") {
      upload.cancelled = true;
      if (upload.xhr) upload.xhr.abort(); else upload.fail("cancelado");
    } else if (kind === "retry") {
      upload.cancelled = false;
      upload.show("aguardando", [["Cancelar", "cancel"]]);
      queue = queue.then(function () { return upload.cancelled ? null : upload.send(); });
    } else if (kind === "discard") {
      var next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      var focusable = (next && next.querySelector("button")) ||
        document.querySelector("[data-choose-files]");
      if (focusable) focusable.focus();
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "file" && input.closest("form[data-uploader]") && input.files.length) {
      uploadAll(input.files);
    }
  });

  ["dragover", "drop", "dragleave"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.toggle("portal-dropzone-active", type === "dragover");
      if (type === "drop" && event.dataTransfer.files.length) uploadAll(event.dataTransfer.files);
    });
  });

  // Leaving the site while a file is still going up would cut it off: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (!running) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
