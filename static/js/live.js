// Showfloor's change-stream client, shared by the blog page, the hub and the embed,
// over the socket of sio.js. It follows one stream {key: id, since: seq}, hands changes to
// the page exactly once and in seq order, fetches gaps over HTTP, and re-follows
// every 30 s as a head check (a lost push is then caught up from the database).
// Where websockets cannot be had (a proxy blocks them, or they keep dying), it polls
// the HTTP change cursor instead, through the same seq rules, while sio.js keeps
// retrying the socket; the first socket that connects ends the polling.
(function () {
  "use strict";

  var SYNC_MS = 30000;
  // Socket connections in a row that failed before the page polls over HTTP.
  var FALLBACK_AFTER = 2;
  // A poll every 2-3 s (jitter spreads a venue's readers); after failed polls
  // the wait grows (full jitter) up to 30 s.
  var POLL_MS = 2000;
  var POLL_JITTER_MS = 1000;
  var POLL_MAX_MS = 30000;
  // A cursor answer may be up to a second old (a proxy cache): a gap still open
  // after a fetch is asked for again once that window has passed.
  var GAP_RETRY_MS = 1500;

  function stream(opts) {
    var seq = opts.seq;
    var pending = {}; // changes that arrived ahead of a gap, by seq
    var fetching = false;
    var syncTimer = null;
    var polling = false;
    var pollTimer = null;
    var pollErrors = 0;
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
      fetchChanges(null);
    }

    function fetchChanges(done) {
      // One request at a time, for a gap and a poll alike; what comes back goes
      // through receive(), the socket's own rules. False: none was sent.
      if (fetching || !opts.changesUrl) return false;
      fetching = true;
      var sent = seq;
      fetch(opts.changesUrl + "?since=" + sent, { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (body) {
          fetching = false;
          if (body.last_seq < sent) return location.reload(); // the server went back in time
          body.changes.forEach(receive);
          if (body.more) fillGap();
          else if (Object.keys(pending).length) setTimeout(fillGap, GAP_RETRY_MS);
          if (done) done(true);
        })
        .catch(function () { fetching = false; if (done) done(false); });
      return true;
    }

    // ---- polling, while the socket cannot be had ------------------------

    function startPolling() {
      if (polling || !opts.changesUrl) return;
      polling = true;
      pollErrors = 0;
      poll();
    }

    function stopPolling() {
      polling = false;
      clearTimeout(pollTimer);
    }

    function poll() {
      clearTimeout(pollTimer);
      if (!polling) return;
      var sent = fetchChanges(function (ok) {
        if (!polling) return;
        pollErrors = ok ? 0 : pollErrors + 1;
        if (ok) state("polling");
        else state(navigator.onLine === false ? "offline" : "reconnecting");
        pollTimer = setTimeout(poll, pollDelay());
      });
      if (!sent) pollTimer = setTimeout(poll, pollDelay()); // a gap fetch is under way
    }

    function pollDelay() {
      if (!pollErrors) return POLL_MS + Math.random() * POLL_JITTER_MS;
      return POLL_MS + Math.random() * Math.min(POLL_MAX_MS, POLL_MS * Math.pow(2, pollErrors));
    }

    function socketState(name, info) {
      if (name === "live") stopPolling();
      else if (info.failures >= FALLBACK_AFTER) startPolling();
      // A working poll keeps the reader informed while the socket retries.
      if (polling && !pollErrors && name === "reconnecting") return;
      state(name, info);
    }

    // ---- the socket (sio.js) -------------------------------------------

    var socket = window.ShowfloorSocket({
      onState: socketState,
      onConnect: follow,
      hello: false, // the follow's answer carries the reconnect window
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
      if (polling) poll();
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
