// Keeps a live blog page current: follows the blog's change stream over a
// websocket (Engine.IO v4 / Socket.IO v5 frames, spoken directly so the page
// needs no client library) and applies each change exactly once, in seq order.
(function () {
  "use strict";

  var root = document.getElementById("live");
  if (!root || !("WebSocket" in window)) return;

  var blogId = Number(root.dataset.blogId);
  var seq = Number(root.dataset.seq);
  var paged = root.dataset.paged === "1";
  var changesUrl = root.dataset.changesUrl;
  var entriesEl = document.getElementById("entries");
  var pinnedEl = document.getElementById("pinned");
  var statusEl = document.getElementById("blog-status");
  var connEl = document.getElementById("connection");

  var SYNC_MS = 30000;
  var socket = null;
  var attempt = 0;
  var ackId = 0;
  var acks = {};
  var pending = {}; // changes that arrived ahead of a gap, by seq
  var fetching = false;
  var syncTimer = null;
  var reconnectTimer = null;

  // ---- applying changes ------------------------------------------------

  function receive(msg) {
    if (!msg || msg.blog_id !== blogId) return;
    if (msg.seq <= seq) return; // already applied (replay overlapping live)
    pending[msg.seq] = msg;
    drain();
    if (pending[seq + 1] === undefined && Object.keys(pending).length) fillGap();
  }

  function drain() {
    while (pending[seq + 1] !== undefined) {
      var next = pending[seq + 1];
      delete pending[seq + 1];
      apply(next);
      seq = next.seq;
      root.dataset.seq = String(seq);
    }
    for (var s in pending) if (Number(s) <= seq) delete pending[s];
  }

  function fillGap() {
    // A seq jumped: something was lost (a dropped queue message, a missed
    // push). Fetch everything after our seq over HTTP and apply in order.
    if (fetching) return;
    fetching = true;
    fetch(changesUrl + "?since=" + seq, { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (body) {
        fetching = false;
        body.changes.forEach(function (c) { if (c.seq > seq) pending[c.seq] = c; });
        drain();
        if (body.more) fillGap();
      })
      .catch(function () { fetching = false; });
  }

  function apply(msg) {
    if (msg.type === "blog_status_changed") return setStatus(msg.status);
    if (msg.entry_id === undefined) return;
    var old = document.getElementById("entry-" + msg.entry_id);
    if (paged && !old) return; // an older page shows only its own entries
    if (msg.status !== "published" || !msg.html) {
      if (old) old.remove();
      return;
    }
    var el = fromHtml(msg.html);
    var wasPinned = old && old.parentNode === pinnedEl;
    var pinned = msg.pinned && !paged;
    if (old && wasPinned === pinned) return old.replaceWith(el); // edit in place
    if (old) old.remove();
    if (pinned) pinnedEl.appendChild(el);
    else insertByTime(el);
    var empty = document.getElementById("empty");
    if (empty) empty.remove();
  }

  function fromHtml(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function newerThan(a, b) {
    var ta = a.dataset.publishedAt, tb = b.dataset.publishedAt;
    if (ta !== tb) return ta > tb;
    return Number(a.dataset.entryId) > Number(b.dataset.entryId);
  }

  function insertByTime(el) {
    // Newest first; entries arrive newest almost always, so scan from the top.
    var items = entriesEl.children;
    for (var i = 0; i < items.length; i++) {
      if (newerThan(el, items[i])) return entriesEl.insertBefore(el, items[i]);
    }
    // Older than everything shown while older pages exist: it lives there.
    if (items.length && document.querySelector(".older")) return;
    entriesEl.appendChild(el);
  }

  function setStatus(status) {
    var labels = { live: "Live", scheduled: "Not started", ended: "Ended" };
    statusEl.textContent = labels[status] || status;
    statusEl.className = "badge badge--" + status;
  }

  // ---- the socket ------------------------------------------------------

  function showConnection(state) {
    var text = { live: "Live", reconnecting: "Reconnecting…", offline: "Offline" }[state];
    connEl.hidden = false;
    connEl.textContent = text;
    connEl.className = "connection connection--" + state;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(proto + "//" + location.host + "/socket.io/?EIO=4&transport=websocket");
    socket.onmessage = function (ev) { onFrame(String(ev.data)); };
    socket.onclose = function () { socket = null; scheduleReconnect(); };
  }

  function onFrame(frame) {
    var type = frame.charAt(0);
    if (type === "0") return send("40"); // engine.io open → join the default namespace
    if (type === "2") return send("3"); // ping → pong
    if (type === "4") return onPacket(frame.slice(1));
  }

  function onPacket(packet) {
    var type = packet.charAt(0);
    if (type === "0") { attempt = 0; showConnection("live"); return follow(); }
    if (type === "1") { if (socket) socket.close(); return; }
    var m = /^(\d*)(\[.*)$/s.exec(packet.slice(1));
    if (!m) return;
    var data = JSON.parse(m[2]);
    if (type === "2") return receive(data[1]);
    if (type === "3" && acks[m[1]]) { acks[m[1]](data[0]); delete acks[m[1]]; }
  }

  function send(frame) {
    if (socket && socket.readyState === 1) socket.send(frame);
  }

  function emit(name, data, onAck) {
    var id = ++ackId;
    acks[id] = onAck;
    send("42" + id + JSON.stringify([name, data]));
  }

  function follow() {
    // Also the periodic head check: the server replays anything after seq.
    emit("follow", { blog_id: blogId, since: seq }, function (ack) {
      if (ack && ack.ok && ack.last_seq < seq) location.reload(); // server went back in time
      else if (ack && ack.ok && ack.last_seq > seq) fillGap();
    });
    clearTimeout(syncTimer);
    syncTimer = setTimeout(follow, SYNC_MS);
  }

  function scheduleReconnect() {
    clearTimeout(syncTimer);
    showConnection(navigator.onLine === false ? "offline" : "reconnecting");
    // Exponential backoff with full jitter, so a restarted server is not
    // hit by every reader in the same instant.
    var ceiling = Math.min(30000, 1000 * Math.pow(2, attempt++));
    reconnectTimer = setTimeout(connect, 500 + Math.random() * ceiling);
  }

  window.addEventListener("online", function () { if (!socket) connect(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    if (!socket) connect();
    else follow();
  });

  connect();
})();
