// Photos of the desk's outbox: the files wait in IndexedDB under their outbox
// item's key (localStorage holds only text), go up with visible progress, and
// are checked here first so a refusal the reporter can foresee costs no upload.
// window.ShowfloorPhotos = {check, keep, find, forget, thumbnail, upload}.
(function () {
  "use strict";

  var DB_NAME = "showfloor-desk";
  var STORE = "photos";
  var THUMB_PX = 96;
  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function run(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var req = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(req.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  // Keep the file under the item's key; survives a reload and a closed tab.
  function keep(key, file) { return run("readwrite", function (s) { return s.put(file, key); }); }
  function find(key) { return run("readonly", function (s) { return s.get(key); }); }
  function forget(key) { return run("readwrite", function (s) { return s.delete(key); }); }

  // What the server would refuse anyway, said before anything is queued.
  function check(file, alt, maxBytes) {
    if (!file) return { file: "Choose a photo to upload." };
    if (!/^image\//.test(file.type || "")) return { file: "That file is not a photo: choose a JPEG, PNG, WebP or GIF." };
    if (maxBytes && file.size > maxBytes) {
      return { file: "The photo is too large: at most " + Math.round(maxBytes / 1048576) + " MB. Choose a smaller one or lower the camera's resolution." };
    }
    if (!String(alt || "").trim()) {
      return { alt: "Describe the photo in a sentence (alt text) for readers who cannot see it; it is required." };
    }
    return null;
  }

  // A small data: URL (the page's CSP allows data: images, not blob:), or "" if the file won't decode.
  function thumbnail(file) {
    if (!window.createImageBitmap) return Promise.resolve("");
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, THUMB_PX / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return canvas.toDataURL("image/jpeg", 0.7);
    }).catch(function () { return ""; });
  }

  // XHR rather than fetch: only XHR reports upload progress. Resolves {status, json};
  // rejects when no answer came (no connection), which the outbox retries.
  function upload(url, fields, file, csrf, onProgress) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(fields).forEach(function (name) { data.append(name, fields[name]); });
      data.append("file", file, file.name || "photo");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
      xhr.onload = function () {
        var json = {};
        try { json = JSON.parse(xhr.responseText) || {}; } catch (e) { json = {}; }
        resolve({ status: xhr.status, json: json });
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () { reject(new Error("no answer")); };
      xhr.send(data);
    });
  }

  window.ShowfloorPhotos = { check: check, keep: keep, find: find, forget: forget, thumbnail: thumbnail, upload: upload };
})();
