// Showfloor's change-stream client, shared by the blog page, the hub and the embed,
// over the socket of sio.js. It follows one stream {key: id, since: seq}, hands changes to
// the page exactly once and in seq order, fetches gaps over HTTP, and re-follows
// every 30 s as a head check (a lost push is then caught up from the database).
(function () {
  "use strict";

  var SYNC_MS = 30000;

  function stream(opts) {
    var seq = opts.seq;
    var pending = {}; // changes that arrived ahead of a gap, by seq
    var fetching = false;
    var syncTimer = null;
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

    // ---- the socket (sio.js) -------------------------------------------

    var socket = window.ShowfloorSocket({
      onState: state,
      onConnect: follow,
      onEvent: function (name, data) {
        if (handlers[name]) handlers[name](data);
        else receive(data);
      },
    });

    function follow() {
      // Also the periodic head check: the server replays anything after seq.
      clearTimeout(syncTimer);
      if (!socket.connected()) return; // the next connect follows again
      var sent = seq;
      var args = { since: sent };
      args[opts.key] = opts.id;
      socket.emit(opts.follow, args, function (ack) {
        if (!ack || !ack.ok) return;
        // Far behind (the server says reload), or the server went back in
        // time: compare with the seq that was sent, since live changes may
        // have moved ours on while the acknowledgement was on its way.
        if (ack.reload || ack.last_seq < sent) return location.reload();
        // Behind the head after the replay, or no replay at all because this
        // connection spent its replay limit (catch_up: "http"): fetch the rest.
        if (ack.catch_up === "http" || ack.last_seq > seq) fillGap();
        if (opts.onFollow) opts.onFollow(ack);
      });
      syncTimer = setTimeout(follow, SYNC_MS);
    }

    function retryNow() {
      if (!socket.retry()) follow();
    }

    window.addEventListener("online", retryNow);
    window.addEventListener("offline", function () { if (!socket.connected()) state("offline"); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") retryNow();
    });

    return { seq: function () { return seq; }, retry: retryNow };
  }

  window.Showfloor = window.Showfloor || {};
  window.Showfloor.stream = stream;
})();
