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

  // Folder upload: the chosen (or dropped) folder is packed into an uncompressed zip in the
  // browser and sent as the form's archive, with the same progress bar. The server drops the
  // folder's own name (one top-level directory), as for `zip -r build.zip build/`.
  var CRC_TABLE = (function () {
    var table = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32(bytes) {
    var c = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  function zipHeader(size, fields) {
    var view = new DataView(new ArrayBuffer(size));
    fields.forEach(function (f) {
      if (f[2] === 4) view.setUint32(f[0], f[1], true);
      else view.setUint16(f[0], f[1], true);
    });
    return view.buffer;
  }

  // entries: [{name, bytes}] -> a zip Blob (method "stored", UTF-8 names, dated 1980-01-01).
  function storedZip(entries) {
    var parts = [], central = [], offset = 0, encoder = new TextEncoder();
    entries.forEach(function (entry) {
      var name = encoder.encode(entry.name), crc = crc32(entry.bytes), size = entry.bytes.length;
      parts.push(zipHeader(30, [[0, 0x04034b50, 4], [4, 20], [6, 0x0800], [8, 0], [10, 0],
        [12, 33], [14, crc, 4], [18, size, 4], [22, size, 4], [26, name.length], [28, 0]]),
        name, entry.bytes);
      central.push(zipHeader(46, [[0, 0x02014b50, 4], [4, 20], [6, 20], [8, 0x0800], [10, 0],
        [12, 0], [14, 33], [16, crc, 4], [20, size, 4], [24, size, 4], [28, name.length],
        [30, 0], [32, 0], [34, 0], [36, 0], [38, 0, 4], [42, offset, 4]]), name);
      offset += 30 + name.length + size;
    });
    var centralSize = central.reduce(function (sum, part) {
      return sum + (part.byteLength !== undefined ? part.byteLength : part.length);
    }, 0);
    var end = zipHeader(22, [[0, 0x06054b50, 4], [4, 0], [6, 0], [8, entries.length],
      [10, entries.length], [12, centralSize, 4], [16, offset, 4], [20, 0]]);
    return new Blob(parts.concat(central, [end]), { type: "application/zip" });
  }

  var packedFolder = null;

  function packFolder(form, files) {
    var status = form.querySelector("#folder-status");
    var archive = form.querySelector("#archive");
    var list = Array.prototype.slice.call(files).filter(function (f) { return f.relPath; });
    if (!list.length) return;
    status.textContent = "Reading " + list.length + " files…";
    Promise.all(list.map(function (file) {
      return file.arrayBuffer().then(function (buffer) {
        return { name: file.relPath, bytes: new Uint8Array(buffer) };
      });
    })).then(function (entries) {
      entries.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
      var folder = entries[0].name.split("/")[0];
      packedFolder = new File([storedZip(entries)], folder + ".zip", { type: "application/zip" });
      archive.required = false;
      archive.value = "";
      status.textContent = "Folder " + folder + ": " + entries.length + " files, ready to upload.";
    });
  }

  function withPaths(files) {
    return Array.prototype.map.call(files, function (f) {
      f.relPath = f.webkitRelativePath || f.name;
      return f;
    });
  }

  // A dropped folder: walk its entries (the File System API of drag and drop).
  function readEntry(entry, prefix) {
    if (entry.isFile) {
      return new Promise(function (resolve) {
        entry.file(function (file) { file.relPath = prefix + file.name; resolve([file]); });
      });
    }
    var reader = entry.createReader(), found = [];
    return new Promise(function (resolve) {
      (function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) {
            Promise.all(found).then(function (lists) { resolve([].concat.apply([], lists)); });
            return;
          }
          batch.forEach(function (child) {
            found.push(readEntry(child, prefix + entry.name + "/"));
          });
          more();
        });
      })();
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "folder") {
      packFolder(event.target.form, withPaths(event.target.files));
    } else if (event.target.id === "archive" && event.target.files.length) {
      packedFolder = null;  // a chosen archive wins over an earlier folder
      var status = document.getElementById("folder-status");
      if (status) status.textContent = "";
    }
  });

  document.addEventListener("dragover", function (event) {
    if (event.target.closest && event.target.closest(".folder-drop")) event.preventDefault();
  });

  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest(".folder-drop");
    if (!zone) return;
    event.preventDefault();
    var items = Array.prototype.slice.call(event.dataTransfer.items || []);
    var entries = items.map(function (i) { return i.webkitGetAsEntry && i.webkitGetAsEntry(); })
      .filter(function (e) { return e && e.isDirectory; });
    if (!entries.length) return;
    readEntry(entries[0], "").then(function (files) { packFolder(zone.closest("form"), files); });
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var form = uploadForm(event);
    if (!form || !packedFolder) return;
    event.detail.parameters.archive = packedFolder;
  });

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".folder-upload");
    if (box && window.TextEncoder && window.Blob) box.hidden = false;
  });
  document.addEventListener("htmx:load", function (event) {
    var box = event.detail.elt.querySelector && event.detail.elt.querySelector(".folder-upload");
    if (box) { box.hidden = false; packedFolder = null; }
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
