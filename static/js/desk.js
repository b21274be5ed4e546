// The reporter's composer: an outbox that never loses a word on bad Wi-Fi,
// Ctrl/Cmd+Enter to publish, an exact preview, and speaker search. Without
// this script the composer is a plain form that still works.
(function () {
  "use strict";

  var form = document.getElementById("composer");
  if (!form || !window.fetch || !window.localStorage) return;

  var blogId = Number(form.dataset.blogId);
  var eventId = Number(form.dataset.eventId);
  var storeKey = "showfloor.outbox." + form.dataset.userId;
  var csrf = form.querySelector("[name=csrf_token]").value;
  var box = document.getElementById("outbox");
  var boxItems = document.getElementById("outbox-items");
  var boxStatus = document.getElementById("outbox-status");
  var outbox = load();
  var sending = false;
  var paused = ""; // "" | "login"
  var attempt = 0;
  var retryTimer = null;

  // ---- the outbox: kept in localStorage, so a reload or a closed tab loses nothing

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || []; } catch (e) { return []; }
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
      is_key: !!value("is_key"),
      // Photo and link-card entries; a chosen photo file goes up as a plain form post instead.
      media_id: value("media_id") ? Number(value("media_id")) : null,
      embed_url: value("embed_url"),
      embed_title: value("embed_title"),
      mode: mode,
      publish_at: mode === "schedule" ? value("publish_at") : null,
      batch_id: mode === "batch" && value("batch_id") ? Number(value("batch_id")) : null,
    };
  }

  function clearComposer() {
    ["headline", "source", "tags", "embed_url", "embed_title", "media_id"].forEach(function (n) { if (form.elements[n]) form.elements[n].value = ""; });
    if (form.elements.is_key) form.elements.is_key.checked = false;
    hidePreview();
  }

  form.addEventListener("submit", function (ev) {
    var file = form.querySelector("input[type=file]");
    if (file && file.files && file.files.length) return; // photos go up as a normal form post
    ev.preventDefault();
    var mode = (ev.submitter && ev.submitter.value) || "publish";
    var body = collect(mode);
    body.idempotency_key = newKey();
    outbox.push({ key: body.idempotency_key, blogId: blogId, body: body, state: "queued", at: Date.now() });
    save();
    clearComposer();
    form.elements.source.focus();
    pump();
  });

  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit(form.querySelector("button[value=publish]"));
    }
  });

  function pump() {
    if (sending || paused) return;
    var item = outbox.find(function (i) { return i.state === "queued"; });
    if (!item) return render();
    sending = true;
    item.state = "sending";
    render();
    post("/desk/blogs/" + item.blogId + "/entries", item.body)
      .then(function (res) { return settle(item, res); })
      .catch(function () { retryLater(item, "No connection."); })
      .then(function () { sending = false; if (!retryTimer) pump(); });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) { return { status: res.status, json: json }; });
    });
  }

  function settle(item, res) {
    if (res.status === 200 || res.status === 201) {
      outbox.splice(outbox.indexOf(item), 1);
      attempt = 0;
      return save();
    }
    item.state = "queued";
    if (res.status === 401) return askToLogIn();
    if (res.status === 400 && res.json.csrf) return refreshSession();
    if (res.status >= 500 || res.status === 429) return retryLater(item, "The server is busy.");
    // Something the reporter must fix: keep the text and say why.
    item.state = "failed";
    item.error = res.json.error || "The entry was refused (" + res.status + ").";
    save();
  }

  function retryLater(item, why) {
    item.state = "queued";
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)) * (0.5 + Math.random() / 2);
    boxStatus.textContent = why + " Retrying in " + Math.round(delay / 1000) + " s.";
    save();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; pump(); }, delay);
  }

  function askToLogIn() {
    paused = "login";
    render();
  }

  function refreshSession() {
    return fetch("/desk/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (res.status === 401) return askToLogIn();
        return res.json().then(function (json) {
          csrf = json.csrf_token;
          form.querySelector("[name=csrf_token]").value = csrf;
          paused = "";
        });
      })
      .catch(function () {});
  }

  function resume() {
    if (!outbox.length) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    attempt = 0;
    refreshSession().then(pump);
  }

  window.addEventListener("online", resume);
  window.addEventListener("focus", function () { if (paused) resume(); });
  setInterval(function () { if (paused) resume(); }, 15000);

  // ---- showing the outbox

  function render() {
    box.hidden = outbox.length === 0;
    boxItems.textContent = "";
    outbox.forEach(function (item) { boxItems.appendChild(itemView(item)); });
    if (paused === "login") {
      boxStatus.textContent = "";
      var link = document.createElement("a");
      link.href = "/login?next=/desk/";
      link.target = "_blank";
      link.textContent = "Log in again";
      boxStatus.append("Your session has expired. ", link, " — queued entries are kept and will be sent.");
    } else if (!navigator.onLine) {
      boxStatus.textContent = "Offline: entries are queued and go out when the connection returns.";
    } else if (!retryTimer) {
      boxStatus.textContent = outbox.length ? outbox.length + " waiting." : "";
    }
  }

  function itemView(item) {
    var li = document.createElement("li");
    li.className = "outbox__item outbox__item--" + item.state;
    li.dataset.key = item.key;
    var label = { queued: "Queued", sending: "Sending…", failed: "Not sent" }[item.state];
    var text = (item.body.headline ? item.body.headline + " — " : "") + item.body.source;
    li.append(badge(label), " ", text.slice(0, 120));
    if (item.state === "failed") {
      var err = document.createElement("p");
      err.className = "field-error";
      err.textContent = item.error;
      li.append(err, button("Edit", function () { backToComposer(item); }));
    }
    li.append(" ", button("Discard", function () { discard(item); }));
    return li;
  }

  function badge(text) {
    var span = document.createElement("span");
    span.className = "badge";
    span.textContent = text;
    return span;
  }

  function button(text, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function backToComposer(item) {
    // A refused entry goes back into the composer with every word kept.
    var b = item.body;
    form.elements.headline.value = b.headline;
    form.elements.source.value = b.source;
    form.elements.tags.value = b.tags.join(", ");
    if (form.elements.is_key) form.elements.is_key.checked = b.is_key;
    outbox.splice(outbox.indexOf(item), 1);
    save();
    form.elements.source.focus();
  }

  function discard(item) {
    if (!window.confirm("Discard this entry? Its text will be lost.")) return;
    outbox.splice(outbox.indexOf(item), 1);
    save();
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

  function enhanceSpeakers(select) {
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Type to find a speaker…";
    search.setAttribute("aria-label", "Find a speaker");
    search.className = "speaker-search";
    select.parentNode.insertBefore(search, select);
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var hit = !o.value || o.text.toLowerCase().indexOf(q) >= 0;
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

  keepOfflineCopy();
  render();
  pump();
})();
