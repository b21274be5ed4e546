// The reporter's composer: Ctrl/Cmd+Enter to publish, an exact preview,
// speaker search, photo checks before anything is queued, and the outbox
// (desk_outbox.js) that sends it all on bad Wi-Fi. Without this script the
// composer is a plain form that still works, photo included.
(function () {
  "use strict";

  var form = document.getElementById("composer");
  if (!form || !window.fetch || !window.localStorage || !window.ShowfloorOutbox) return;

  var blogId = Number(form.dataset.blogId);
  var eventId = Number(form.dataset.eventId);
  var photos = window.ShowfloorPhotos;
  // The camera's input and the gallery's: whichever holds a file gives the photo.
  var fileInputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  var keepsPhotos = !!(window.indexedDB && fileInputs.length);
  var outbox = window.ShowfloorOutbox(form, {
    maxBytes: fileInputs.length ? Number(fileInputs[0].dataset.maxBytes) : 0,
    onEdit: backToComposer,
    onSubmitted: listSubmission,
    onSaved: function (entry) { if (window.ShowfloorDrafts) window.ShowfloorDrafts.add(entry); },
  });
  var post = outbox.post;
  var button = window.ShowfloorOutboxView.button;

  function chosenFile() {
    var holding = fileInputs.filter(function (i) { return i.files.length; })[0];
    return holding ? holding.files[0] : null;
  }

  // Only when the form offers the boxes: otherwise an edit would drop the co-authors.
  function coauthorIds() {
    if (!form.elements.coauthors_shown) return null;
    return Array.prototype.filter.call(form.querySelectorAll("input[name=coauthor_ids]"), function (b) { return b.checked; })
      .map(function (b) { return Number(b.value); });
  }

  function value(name) {
    var el = form.elements[name];
    if (!el) return "";
    if (el.type === "checkbox") return el.checked;
    return el.value;
  }

  function collect(mode) {
    return {
      kind: value("kind") || "text",
      headline: value("headline"),
      source: value("source"),
      speaker_id: value("speaker_id") ? Number(value("speaker_id")) : null,
      tags: String(value("tags")).split(",").map(function (t) { return t.trim(); }).filter(Boolean),
      // Only editors have the key box; without it the server keeps the entry's flag.
      is_key: form.elements.is_key ? !!value("is_key") : null,
      // A photo uploaded by an earlier plain-form post; a newly chosen file follows the text instead.
      media_id: value("media_id") ? Number(value("media_id")) : null,
      embed_url: value("embed_url"),
      embed_title: value("embed_title"),
      // Only a quote has a context; a context typed before switching kind is not sent.
      context: value("kind") === "quote" ? value("context") : "",
      coauthor_ids: coauthorIds(),
      mode: mode,
      publish_at: mode === "schedule" ? value("publish_at") : null,
      batch_id: mode === "batch" && value("batch_id") ? Number(value("batch_id")) : null,
    };
  }

  function photoFields() {
    return { alt: value("alt").trim(), caption: value("caption"), credit: value("credit") };
  }

  function clearComposer() {
    ["headline", "source", "context", "tags", "embed_url", "embed_title", "media_id", "alt", "caption", "credit"]
      .forEach(function (n) { if (form.elements[n]) form.elements[n].value = ""; });
    fileInputs.forEach(function (i) { i.value = ""; });
    form.querySelectorAll("input[name=is_key], input[name=coauthor_ids]").forEach(function (b) { b.checked = false; });
    if (window.ShowfloorDrafts) window.ShowfloorDrafts.photoShown(null);
    showPhotoProblem(null);
    hidePreview();
  }

  form.addEventListener("submit", function (ev) {
    var body = collect((ev.submitter && ev.submitter.value) || "publish");
    var file = body.kind === "image" ? chosenFile() : null;
    if (file && !keepsPhotos) return; // no IndexedDB: the photo goes up as a plain form post
    ev.preventDefault();
    var problem = body.kind === "image" && !body.media_id ? photos.check(file, value("alt"), outbox.maxBytes) : null;
    showPhotoProblem(problem);
    if (problem) return;
    body.idempotency_key = outbox.newKey();
    outbox.add(blogId, body, photoFields(), file).then(function () {
      clearComposer();
      form.elements.source.focus();
    }, function () {
      showPhotoProblem({ file: "This browser could not keep the photo for sending; send it without script or try again." });
    });
  });

  // A contributor sees what they sent waiting for an editor, as the page shows it after a reload.
  function listSubmission(entry) {
    var list = document.querySelector("#my-submissions ul");
    if (!list || document.getElementById("submission-" + entry.id)) return;
    var empty = document.getElementById("no-submissions");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.id = "submission-" + entry.id;
    var title = document.createElement("strong");
    title.textContent = entry.headline || entry.source.slice(0, 80);
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "waiting for an editor";
    li.append(title, " · ", badge);
    list.prepend(li);
  }

  // Said next to the field to fix, before anything is queued.
  function showPhotoProblem(problem) {
    form.querySelectorAll(".photo-problem").forEach(function (p) { p.remove(); });
    if (!problem) return;
    var name = problem.alt ? "alt" : "file";
    var msg = document.createElement("p");
    msg.className = "field-error photo-problem";
    msg.setAttribute("role", "alert");
    msg.textContent = problem[name];
    // The photo's problem goes under the line that says which photo is chosen.
    var field = name === "file" ? fileInputs[fileInputs.length - 1] : form.elements[name];
    (name === "file" ? document.getElementById("photo-chosen") : field.closest("label")).after(msg);
    field.focus();
  }

  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit(form.querySelector("button[value=publish]"));
    }
  });

  // A refused entry goes back into the composer with every word, and its photo, kept.
  function backToComposer(item, file) {
    var b = item.body;
    ["headline", "source", "context", "embed_url", "embed_title"].forEach(function (n) { if (form.elements[n]) form.elements[n].value = b[n] || ""; });
    form.elements.tags.value = b.tags.join(", ");
    if (form.elements.is_key) form.elements.is_key.checked = b.is_key;
    var kind = form.querySelector("input[name=kind][value=" + b.kind + "]");
    if (kind) {
      kind.checked = true;
      kind.dispatchEvent(new Event("change", { bubbles: true }));
    }
    form.querySelectorAll("input[name=coauthor_ids]").forEach(function (box) {
      box.checked = (b.coauthor_ids || []).indexOf(Number(box.value)) >= 0;
    });
    if (item.photo) {
      ["alt", "caption", "credit"].forEach(function (n) { form.elements[n].value = item.photo[n] || ""; });
    }
    if (file && fileInputs.length && window.DataTransfer) {
      var files = new DataTransfer();
      files.items.add(file);
      fileInputs[fileInputs.length - 1].files = files.files;
      if (window.ShowfloorDrafts) window.ShowfloorDrafts.photoShown(file);
    }
    form.elements.source.focus();
  }

  // ---- preview: rendered by the server with the partial readers see

  var previewButton = document.getElementById("preview-button");
  var previewBox = document.getElementById("preview");
  var previewTimer = null;
  previewButton.hidden = false;
  previewButton.addEventListener("click", function () {
    if (previewBox.hidden) showPreview();
    else hidePreview();
  });
  form.addEventListener("input", function () {
    if (previewBox.hidden) return;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(showPreview, 400);
  });

  function showPreview() {
    previewBox.hidden = false;
    previewButton.textContent = "Hide preview";
    post("/desk/blogs/" + blogId + "/preview", collect("publish")).then(function (res) {
      if (res.status === 200) previewBox.innerHTML = res.json.html; // our own sanitised partial
      else previewBox.textContent = res.json.error || "Preview unavailable.";
    }).catch(function () { previewBox.textContent = "Preview needs a connection; the entry can still be queued."; });
  }

  function hidePreview() {
    previewBox.hidden = true;
    previewButton.textContent = "Preview";
  }

  // ---- speakers: filter the roster by typing; add a missing one inline

  var select = form.elements.speaker_id;
  if (select) enhanceSpeakers(select);

  // "Ines" finds "Inés": compare without accents or case, as the server does.
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhanceSpeakers(select) {
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Type to find a speaker…";
    search.setAttribute("aria-label", "Find a speaker");
    search.className = "speaker-search";
    select.parentNode.insertBefore(search, select);
    search.addEventListener("input", function () {
      var q = fold(search.value.trim());
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var hit = !o.value || fold(o.text).indexOf(q) >= 0;
        o.hidden = !hit;
        if (hit && o.value && !first) first = o;
      });
      if (q && first) select.value = first.value;
    });
    var add = button("Add a speaker", function () { addSpeakerForm(select, add); });
    select.parentNode.appendChild(add);
  }

  function addSpeakerForm(select, trigger) {
    var wrap = document.createElement("div");
    wrap.className = "speaker-new";
    var inputs = ["name", "title", "organization"].map(function (n) {
      var i = document.createElement("input");
      i.type = "text";
      i.placeholder = n.charAt(0).toUpperCase() + n.slice(1);
      i.name = "new_speaker_" + n;
      wrap.appendChild(i);
      return i;
    });
    var msg = document.createElement("p");
    msg.className = "field-error";
    wrap.append(button("Save speaker", function () {
      var body = { name: inputs[0].value, title: inputs[1].value, organization: inputs[2].value };
      post("/desk/events/" + eventId + "/speakers", body).then(function (res) {
        if (res.status !== 201) { msg.textContent = res.json.error || "Not saved."; return; }
        var o = new Option(res.json.attribution, res.json.id, true, true);
        select.appendChild(o);
        select.value = String(res.json.id);
        wrap.remove();
        trigger.hidden = false;
      });
    }), msg);
    trigger.hidden = true;
    trigger.parentNode.appendChild(wrap);
    inputs[0].focus();
  }

  // ---- offline reloads: a service worker answers from the last visit's copy

  function keepOfflineCopy() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    navigator.serviceWorker.register("/desk/sw.js", { scope: "/desk/" }).catch(function () {});
    var assets = Array.prototype.map.call(
      document.querySelectorAll("script[src], link[rel=stylesheet]"),
      function (el) { return el.getAttribute("src") || el.getAttribute("href"); }
    );
    caches.open("showfloor-desk-v1").then(function (c) { return c.addAll([location.pathname].concat(assets)); })
      .then(function () { document.documentElement.dataset.offlineReady = "1"; })
      .catch(function () {});
  }

  // The outbox renders and starts sending on its own when it is made.
  keepOfflineCopy();
})();
