// Evidence uploads: one request per file with its own progress bar, drag and drop.
// Without JavaScript the same form posts every chosen file at once.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name='csrf_token']");
    return input ? input.value : "";
  }

  function progressRow(list, file) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.className = "portal-upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Progresso do envio de " + file.name);
    var state = document.createElement("span");
    state.className = "portal-upload-state";
    state.textContent = "aguardando";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(state);
    list.appendChild(item);
    return { item: item, bar: bar, state: state };
  }

  function sendOne(form, file, row) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrf_token", csrfToken(form));
      data.append("files", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("HX-Request", "true");
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          row.bar.value = Math.round((event.loaded / event.total) * 100);
          row.state.textContent = row.bar.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        var ok = xhr.status >= 200 && xhr.status < 300;
        row.bar.value = 100;
        row.item.classList.add(ok ? "portal-upload-ok" : "portal-upload-error");
        var parsed = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var body = parsed.querySelector(".message-body");
        row.state.textContent = ok ? "concluído" : (body ? body.textContent : "falhou (erro " + xhr.status + ")");
        resolve(ok ? xhr.responseText : null);
      });
      xhr.addEventListener("error", function () {
        row.item.classList.add("portal-upload-error");
        row.state.textContent = "falhou: verifique a conexão e tente de novo";
        resolve(null);
      });
      xhr.send(data);
    });
  }

  function replaceEvidence(html) {
    var region = document.getElementById("evidencias");
    if (!region || !html) return;
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var fresh = parsed.getElementById("evidencias");
    if (!fresh) return;
    var progress = region.querySelector("[data-progress]");
    region.replaceWith(fresh);
    var newProgress = fresh.querySelector("[data-progress]");
    if (progress && newProgress) newProgress.replaceWith(progress);
    if (window.htmx) htmx.process(fresh);
  }

  async function uploadAll(form, files) {
    var list = form.querySelector("[data-progress]");
    var rows = Array.prototype.map.call(files, function (file) { return progressRow(list, file); });
    for (var i = 0; i < files.length; i++) {
      rows[i].state.textContent = "enviando";
      var html = await sendOne(form, files[i], rows[i]);
      if (html) replaceEvidence(html);
      form = document.querySelector("form[data-uploader]") || form;
      list = form.querySelector("[data-progress]") || list;
    }
    var input = form.querySelector("input[type='file']");
    if (input) input.value = "";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-uploader]");
    if (!form || !window.FormData) return;
    var input = form.querySelector("input[type='file']");
    if (!input || !input.files.length) return;
    event.preventDefault();
    uploadAll(form, input.files);
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    var form = input.closest && input.closest("form[data-uploader]");
    if (form && input.type === "file" && input.files.length) uploadAll(form, input.files);
  });

  ["dragover", "drop", "dragleave"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.toggle("portal-dropzone-active", type === "dragover");
      if (type === "drop" && event.dataTransfer.files.length) {
        uploadAll(zone.closest("form[data-uploader]"), event.dataTransfer.files);
      }
    });
  });
})();
