// PDF evidence previewed inside the page: PDF.js (vendored, static/vendor/pdfjs-dist-*)
// draws one page at a time on a <canvas>, from the bytes of the same-origin preview URL.
// No frame and no browser plug-in: the file response keeps its sandboxing CSP, and the
// worker is a same-origin script (script-src/worker-src 'self').
//
// Markup (templates/deliverables/_version.html), usually inside a <details>:
//   <div data-pdf-viewer data-pdf-src="URL" data-pdf-name="NAME">
//     <p data-pdf-status>…download link for browsers without JavaScript…</p>
//     <div data-pdf-toolbar hidden>
//       <button data-pdf-previous> <span data-pdf-counter> <button data-pdf-next>
//     </div>
//     <canvas data-pdf-canvas hidden></canvas>
//   </div>
// The library is imported on the first preview opened, never on pages without one.
(function () {
  "use strict";

  var VENDOR = new URL("../vendor/pdfjs-dist-6.5.438/", document.currentScript.src);
  var MAX_WIDTH = 900; // CSS pixels: a page wider than this is scaled down to it
  var library = null;

  function loadLibrary() {
    if (!library) {
      library = import(new URL("pdf.min.mjs", VENDOR).href).then(function (pdfjs) {
        pdfjs.GlobalWorkerOptions.workerSrc = new URL("pdf.worker.min.mjs", VENDOR).href;
        return pdfjs;
      });
      library.catch(function () { library = null; }); // a later preview tries again
    }
    return library;
  }

  function part(viewer, name) {
    return viewer.querySelector("[data-pdf-" + name + "]");
  }

  function say(viewer, message, link) {
    var status = part(viewer, "status");
    status.textContent = message;
    if (link) {
      status.appendChild(document.createTextNode(" "));
      var anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      anchor.setAttribute("hx-boost", "false");
      status.appendChild(anchor);
      status.appendChild(document.createTextNode("."));
    }
    status.hidden = !message;
  }

  function downloadLink(viewer) {
    var original = viewer.closest("li") && viewer.closest("li").querySelector("a[href]");
    return original ? { href: original.href, text: "Baixe o arquivo" } : null;
  }

  function setDisabled(button, disabled) {
    // aria-disabled, not disabled: the button keeps the keyboard focus on the last page.
    button.setAttribute("aria-disabled", disabled ? "true" : "false");
  }

  function render(viewer, number) {
    var state = viewer._pdf;
    if (!state || number < 1 || number > state.document.numPages) return Promise.resolve();
    if (state.task) state.task.cancel();
    state.number = number;
    return state.document.getPage(number).then(function (page) {
      if (state.number !== number) return null; // another page was asked for meanwhile
      var canvas = part(viewer, "canvas");
      var natural = page.getViewport({ scale: 1 });
      var width = Math.min(viewer.clientWidth || natural.width, MAX_WIDTH);
      var ratio = window.devicePixelRatio || 1;
      var viewport = page.getViewport({ scale: (width / natural.width) * ratio });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      state.task = page.render({ canvasContext: canvas.getContext("2d"), viewport: viewport });
      return state.task.promise.then(function () {
        state.task = null;
        var total = state.document.numPages;
        canvas.hidden = false;
        canvas.setAttribute("aria-label", "Página " + number + " de " + total + " de " + state.name);
        part(viewer, "counter").textContent = "Página " + number + " de " + total;
        setDisabled(part(viewer, "previous"), number <= 1);
        setDisabled(part(viewer, "next"), number >= total);
        viewer.setAttribute("data-pdf-rendered", String(number));
      });
    }).catch(function (error) {
      if (error && error.name === "RenderingCancelledException") return;
      say(viewer, "Não foi possível mostrar esta página do PDF.", downloadLink(viewer));
    });
  }

  function open(viewer) {
    if (viewer._pdf || viewer._opening) return;
    viewer._opening = true;
    say(viewer, "Carregando o PDF…");
    var name = viewer.getAttribute("data-pdf-name") || "PDF";
    Promise.all([
      loadLibrary(),
      fetch(viewer.getAttribute("data-pdf-src"), { credentials: "same-origin" }).then(
        function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.arrayBuffer();
        }
      ),
    ]).then(function (results) {
      var pdfjs = results[0];
      return pdfjs.getDocument({ data: new Uint8Array(results[1]) }).promise;
    }).then(function (pdf) {
      if (!viewer.isConnected) {  // replaced while it loaded: free its worker
        pdf.loadingTask.destroy();
        return;
      }
      viewer._pdf = { document: pdf, number: 1, task: null, name: name };
      say(viewer, "");
      part(viewer, "toolbar").hidden = false;
      return render(viewer, 1);
    }).catch(function () {
      say(viewer, "Não foi possível mostrar este PDF aqui.", downloadLink(viewer));
    }).then(function () {
      viewer._opening = false;
    });
  }

  function turn(viewer, step) {
    var state = viewer._pdf;
    if (state) render(viewer, state.number + step);
  }

  function setUp(viewer) {
    if (viewer.hasAttribute("data-pdf-ready")) return;
    viewer.setAttribute("data-pdf-ready", "");
    say(viewer, "");
    part(viewer, "previous").addEventListener("click", function (event) {
      if (event.currentTarget.getAttribute("aria-disabled") !== "true") turn(viewer, -1);
    });
    part(viewer, "next").addEventListener("click", function (event) {
      if (event.currentTarget.getAttribute("aria-disabled") !== "true") turn(viewer, 1);
    });
    viewer.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var step = { ArrowLeft: -1, PageUp: -1, ArrowRight: 1, PageDown: 1 }[event.key];
      if (step && viewer._pdf) {
        event.preventDefault();
        turn(viewer, step);
      }
    });
    var details = viewer.closest("details");
    if (!details || details.open) {
      open(viewer);
    } else {
      details.addEventListener("toggle", function () {
        if (details.open) open(viewer);
      });
    }
  }

  function setUpAll(root) {
    var viewers = root.querySelectorAll ? root.querySelectorAll("[data-pdf-viewer]") : [];
    Array.prototype.forEach.call(viewers, setUp);
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      Array.prototype.forEach.call(document.querySelectorAll("[data-pdf-viewer]"), function (viewer) {
        if (viewer._pdf && viewer.offsetParent !== null) render(viewer, viewer._pdf.number);
      });
    }, 200);
  });

  // A swap (a 422 re-render, a boosted navigation) replaces the viewers: free their documents
  // (each holds a worker), and set up the new ones (htmx:load fires for the page at start
  // and for every fragment swapped in; the script listens on the document itself).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!event.detail.shouldSwap || !target || !target.querySelectorAll) return;
    Array.prototype.forEach.call(target.querySelectorAll("[data-pdf-viewer]"), function (viewer) {
      if (viewer._pdf) viewer._pdf.document.loadingTask.destroy();
      viewer._pdf = null;
    });
  });
  document.addEventListener("htmx:load", function (event) {
    setUpAll((event.detail && event.detail.elt) || event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  } else {
    setUpAll(document);
  }
})();
