// Showfloor's change-stream client, shared by the blog page, the hub and the embed.
// Speaks Engine.IO v4 / Socket.IO v5 frames over a plain WebSocket, so pages need
// no client library. It follows one stream {key: id, since: seq}, hands changes to
// the page exactly once and in seq order, fetches gaps over HTTP, and re-follows
// every 30 s as a head check (a lost push is then caught up from the database).
(function () {
  "use strict";

  var SYNC_MS = 30000;
  var MAX_BACKOFF_MS = 30000;

  function stream(opts) {
    var seq = opts.seq;
    var socket = null;
    var attempt = 0;
    var ackId = 0;
    var acks = {};
    var pending = {}; // changes that arrived ahead of a gap, by seq
    var fetching = false;
    var syncTimer = null;
    var retryTimer = null;
    var handlers = opts.on || {};

    function state(name, info) {
      if (opts.onState) opts.onState(name, info || {});
    }

    // ---- exactly once, in order ----------------------------------------

    function receive(msg) {
      if (!msg || msg[opts.key] !== opts.id || typeof msg.seq !== "number") return;
      if (msg.seq <= seq) return; // already applied (replay overlapping live)
      pending[msg.seq] = msg;
      drain();
      if (pending[seq + 1] === undefined && Object.keys(pending).length) fillGap();
    }

    function drain() {
      while (pending[seq + 1] !== undefined) {
        var next = pending[seq + 1];
        delete pending[seq + 1];
        seq = next.seq;
        try { opts.apply(next); } catch (e) { if (window.console) console.warn(e); }
      }
      for (var s in pending) if (Number(s) <= seq) delete pending[s];
    }

    function fillGap() {
      // A seq jumped (a dropped queue message, a missed push): fetch
      // everything after our seq over HTTP and apply it in order.
      if (fetching || !opts.changesUrl) return;
      fetching = true;
      fetch(opts.changesUrl + "?since=" + seq, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) {
          fetching = false;
          body.changes.forEach(function (c) { if (c.seq > seq) pending[c.seq] = c; });
          drain();
          if (body.more) fillGap();
        })
        .catch(function () { fetching = false; });
    }

    // ---- the socket ----------------------------------------------------

    function connect() {
      clearTimeout(retryTimer);
      if (socket) return;
      var proto = location.protocol === "https:" ? "wss:" : "ws:";
      var ws = new WebSocket(proto + "//" + location.host + "/socket.io/?EIO=4&transport=websocket");
      socket = ws;
      ws.onmessage = function (ev) { onFrame(String(ev.data)); };
      ws.onclose = function () {
        if (socket === ws) { socket = null; scheduleReconnect(); }
      };
    }

    function onFrame(frame) {
      var type = frame.charAt(0);
      if (type === "0") return send("40"); // engine.io open: join the default namespace
      if (type === "2") return send("3"); // ping: pong
      if (type === "4") return onPacket(frame.slice(1));
    }

    function onPacket(packet) {
      var type = packet.charAt(0);
      if (type === "0") { attempt = 0; state("live"); return follow(); }
      if (type === "1") { if (socket) socket.close(); return; }
      var m = /^(\d*)(\[[\s\S]*)$/.exec(packet.slice(1));
      if (!m) return;
      var data = JSON.parse(m[2]);
      if (type === "3" && acks[m[1]]) { acks[m[1]](data[0]); delete acks[m[1]]; return; }
      if (type !== "2") return;
      if (handlers[data[0]]) handlers[data[0]](data[1]);
      else receive(data[1]);
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
      var sent = seq;
      var args = { since: sent };
      args[opts.key] = opts.id;
      emit(opts.follow, args, function (ack) {
        if (!ack || !ack.ok) return;
        // Far behind (the server says reload), or the server went back in
        // time: compare with the seq that was sent, since live changes may
        // have moved ours on while the acknowledgement was on its way.
        if (ack.reload || ack.last_seq < sent) return location.reload();
        if (ack.last_seq > seq) fillGap();
        if (opts.onFollow) opts.onFollow(ack);
      });
      clearTimeout(syncTimer);
      syncTimer = setTimeout(follow, SYNC_MS);
    }

    function scheduleReconnect() {
      clearTimeout(syncTimer);
      // Exponential backoff with full jitter, so a restarted server is not
      // hit by every reader in the same instant.
      var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempt++));
      var delay = 500 + Math.random() * ceiling;
      state(navigator.onLine === false ? "offline" : "reconnecting", { retryAt: Date.now() + delay });
      retryTimer = setTimeout(connect, delay);
    }

    function retryNow() {
      if (socket) return follow();
      attempt = 0;
      connect();
    }

    window.addEventListener("online", retryNow);
    window.addEventListener("offline", function () { if (!socket) state("offline"); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") retryNow();
    });

    connect();
    return { seq: function () { return seq; }, retry: retryNow };
  }

  window.Showfloor = window.Showfloor || {};
  window.Showfloor.stream = stream;
})();
