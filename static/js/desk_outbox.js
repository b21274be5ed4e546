// The desk's outbox: nothing typed is lost on bad Wi-Fi. Text waits in
// localStorage, photos in IndexedDB (desk_photos.js), both under the item's
// client-made key, which the server takes as idempotency key: a resend never
// doubles an entry, a photo or its attachment. Entries go out in order; a
// photo entry's text goes first with the "Photo coming…" placeholder, and its
// photo follows in a lane of its own so a slow upload holds up no text.
// window.ShowfloorOutbox(form, options) returns {add, post, newKey}.
(function () {
  "use strict";

  window.ShowfloorOutbox = function (form, options) {
    var photos = window.ShowfloorPhotos;
    var storeKey = "showfloor.outbox." + form.dataset.userId;
    var csrfField = form.querySelector("[name=csrf_token]");
    var outbox = load();
    var busy = { text: false, photo: false };
    var paused = ""; // "" | "login"
    var attempt = 0;
    var retryTimer = null;
    var note = ""; // why sending waits, e.g. "No connection. Retrying in 4 s."
    var view = window.ShowfloorOutboxView({
      edit: backToComposer,
      requeue: requeue,
      retryPhoto: retryPhoto,
      discard: discard,
    });

    // ---- keeping: a reload or a closed tab loses nothing

    function load() {
      var items;
      try { items = JSON.parse(localStorage.getItem(storeKey)) || []; } catch (e) { items = []; }
      // A tab closed mid-send left items in flight: send them again (their keys make that safe).
      items.forEach(function (i) { if (i.state !== "failed") i.state = "queued"; });
      return items;
    }

    function save() {
      localStorage.setItem(storeKey, JSON.stringify(outbox));
      render();
    }

    function newKey() {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }

    // Queue an entry (body carries its idempotency_key); a photo entry's file goes to IndexedDB first.
    function add(blogId, body, photo, file) {
      var item = { key: body.idempotency_key, blogId: blogId, body: body, state: "queued", at: Date.now() };
      var kept = Promise.resolve();
      if (file) {
        item.photo = { key: item.key, alt: photo.alt, caption: photo.caption, credit: photo.credit, name: file.name, thumb: "" };
        kept = photos.keep(item.key, file)
          .then(function () { return photos.thumbnail(file); })
          .then(function (thumb) { item.photo.thumb = thumb; });
      }
      return kept.then(function () {
        outbox.push(item);
        save();
        pump();
      });
    }

    function drop(item) {
      var at = outbox.indexOf(item);
      if (at >= 0) outbox.splice(at, 1);
      if (item.photo) photos.forget(item.key).catch(function () {});
      save();
    }

    // ---- sending: one text at a time in order, and one photo at a time

    function pump() {
      if (paused || retryTimer) return render();
      sendText();
      sendPhoto();
      render();
    }

    function sendText() {
      var item = outbox.find(function (i) { return i.state === "queued" && !i.entryId; });
      if (busy.text || !item) return;
      busy.text = true;
      item.state = "sending";
      post("/desk/blogs/" + item.blogId + "/entries", item.body)
        .then(function (res) { return settleText(item, res); })
        .catch(function () { retryLater(item, "No connection."); })
        .then(function () { busy.text = false; pump(); });
    }

    function settleText(item, res) {
      if (res.status !== 200 && res.status !== 201) return refused(item, res, "The entry was refused");
      attempt = 0;
      // A contributor's entry went to the editors' queue: show it among their submissions.
      if (res.json && res.json.status === "pending" && options.onSubmitted) options.onSubmitted(res.json);
      // A draft or a scheduled entry joins the list of those on the page, no reload needed.
      if (res.json && /^(draft|scheduled)$/.test(res.json.status) && options.onSaved) options.onSaved(res.json);
      if (!item.photo) return drop(item);
      item.entryId = res.json.id; // readers now see the text with "Photo coming…"
      item.state = "queued";
      save();
    }

    function sendPhoto() {
      var item = outbox.find(function (i) { return i.state === "queued" && i.entryId; });
      if (busy.photo || !item) return;
      busy.photo = true;
      (item.mediaId ? attach(item) : upload(item))
        .catch(function () { retryLater(item, "No connection."); })
        .then(function () { busy.photo = false; pump(); });
    }

    function upload(item) {
      item.state = "uploading";
      item.progress = 0;
      return photos.find(item.key).then(function (file) {
        if (!file) return fail(item, "The photo is no longer kept in this browser: choose it again.");
        var p = item.photo;
        var fields = { blog_id: item.blogId, alt: p.alt, caption: p.caption, credit: p.credit, idempotency_key: p.key };
        return photos.upload("/desk/media", fields, file, csrfField.value, function (f) {
          item.progress = f;
          view.showProgress(item);
        })
          .then(function (res) {
            if (res.status !== 200 && res.status !== 201) return refused(item, res, "The photo was refused");
            attempt = 0;
            item.mediaId = res.json.id;
            save();
            return attach(item);
          });
      });
    }

    function attach(item) {
      item.state = "attaching";
      render();
      return post("/desk/entries/" + item.entryId + "/media", { media_id: item.mediaId }).then(function (res) {
        if (res.status !== 200) return refused(item, res, "The photo could not be attached");
        attempt = 0;
        drop(item);
      });
    }

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfField.value },
        body: JSON.stringify(body),
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) { return { status: res.status, json: json }; });
      });
    }

    function refused(item, res, what) {
      item.state = "queued";
      if (res.status === 401) return askToLogIn();
      if (res.status === 400 && res.json.csrf) return refreshSession();
      // Past a limit the server says when to come back: not sooner than that.
      if (res.status === 429) return retryLater(item, res.json.error || "Too many sends at once.", res.json.retry_after);
      if (res.status >= 500) return retryLater(item, "The server is busy.");
      // Something the reporter must fix (413 too large, 422 not a photo…): keep everything, say why.
      fail(item, res.json.error || what + " (" + res.status + ").");
    }

    function fail(item, why) {
      item.state = "failed";
      item.error = why;
      save();
    }

    function retryLater(item, why, notBeforeSeconds) {
      item.state = "queued";
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.5 + Math.random() / 2);
      if (notBeforeSeconds > 0) delay = Math.max(delay, notBeforeSeconds * 1000);
      note = why + " Retrying in " + Math.round(delay / 1000) + " s.";
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () { retryTimer = null; note = ""; pump(); }, delay);
      save();
    }

    function askToLogIn() {
      paused = "login";
      render();
    }

    // A fresh CSRF token before sending: a reporter may have drafted offline for hours.
    function refreshSession() {
      return fetch("/desk/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) {
          if (res.status === 401) return askToLogIn();
          return res.json().then(function (json) {
            csrfField.value = json.csrf_token;
            paused = "";
          });
        })
        .catch(function () {});
    }

    function resume() {
      if (!outbox.length) return;
      clearTimeout(retryTimer);
      retryTimer = null;
      note = "";
      attempt = 0;
      refreshSession().then(pump);
    }

    window.addEventListener("online", resume);
    window.addEventListener("focus", function () { if (paused) resume(); });
    setInterval(function () { if (paused) resume(); }, 15000);

    // ---- what the reporter can do with a waiting or refused item

    function retryPhoto(item, chosen, alt, say) {
      (chosen ? Promise.resolve(chosen) : photos.find(item.key)).then(function (file) {
        var problem = photos.check(file, alt, options.maxBytes);
        if (problem) return say(problem.file || problem.alt);
        item.photo.alt = alt.trim();
        if (!chosen) return requeue(item);
        return photos.keep(item.key, chosen).then(function () { return photos.thumbnail(chosen); }).then(function (t) {
          // Another file is another upload: a fresh key, so the server stores it rather than answering with the first.
          item.photo.key = newKey();
          item.photo.name = chosen.name;
          item.photo.thumb = t;
          requeue(item);
        });
      });
    }

    function requeue(item) {
      item.state = "queued";
      item.error = "";
      attempt = 0;
      save();
      pump();
    }

    function backToComposer(item) {
      (item.photo ? photos.find(item.key) : Promise.resolve(null)).then(function (file) {
        options.onEdit(item, file);
        drop(item);
      });
    }

    function discard(item) {
      var what = item.entryId
        ? "Discard this photo? The entry stays published with its placeholder."
        : "Discard this entry? Its text will be lost.";
      if (window.confirm(what)) drop(item);
    }

    function render() {
      view.render(outbox, { paused: paused, note: note });
    }

    render();
    pump();
    return { add: add, post: post, newKey: newKey, maxBytes: options.maxBytes };
  };
})();
