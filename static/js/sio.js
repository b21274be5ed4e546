// Showfloor's one Socket.IO v5 client (Engine.IO v4 frames over a plain
// WebSocket), shared by the reader pages (live.js), the desk and the review
// queue, so no page needs a client library. It connects, answers pings, emits
// with acknowledgements, hands events on, and reconnects with exponential
// backoff and full jitter so a restarted server is not hit by every page at once.
// It counts the connections in a row that failed to open or died young, and says
// so with each "reconnecting" state (info.failures): a proxy that blocks websockets
// looks like that, and the page can follow over HTTP meanwhile (live.js).
//
// window.ShowfloorSocket({onConnect, onState(name, info), events: {name: fn},
// onEvent(name, data)}) returns {emit(name, data, onAck), retry(), connected()}.
(function () {
  "use strict";

  var MAX_BACKOFF_MS = 30000;
  // A connection that lived this long had worked: its end starts the count over.
  var STABLE_MS = 60000;

  window.ShowfloorSocket = function (options) {
    var socket = null;
    var attempt = 0;
    var ackId = 0;
    var acks = {};
    var retryTimer = null;
    var failures = 0;
    var connectedAt = 0;
    var events = options.events || {};

    function state(name, info) {
      if (options.onState) options.onState(name, info || {});
    }

    function connect() {
      clearTimeout(retryTimer);
      if (socket) return;
      var proto = location.protocol === "https:" ? "wss:" : "ws:";
      var ws = new WebSocket(proto + "//" + location.host + "/socket.io/?EIO=4&transport=websocket");
      socket = ws;
      ws.onmessage = function (ev) { onFrame(String(ev.data)); };
      ws.onclose = function () {
        if (socket !== ws) return;
        socket = null;
        acks = {}; // answers to a closed connection never come
        var lived = connectedAt ? Date.now() - connectedAt : 0;
        failures = lived >= STABLE_MS ? 0 : failures + 1; // never connected, or died young
        connectedAt = 0;
        scheduleReconnect();
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
      if (type === "0") {
        attempt = 0;
        connectedAt = Date.now();
        state("live");
        if (options.onConnect) options.onConnect();
        return;
      }
      if (type === "1") { if (socket) socket.close(); return; } // the server ended it: reconnect
      var m = /^(\d*)(\[[\s\S]*)$/.exec(packet.slice(1));
      if (!m) return;
      var data = JSON.parse(m[2]);
      if (type === "3") {
        var onAck = acks[m[1]];
        delete acks[m[1]];
        if (onAck) onAck(data[0]);
        return;
      }
      if (type !== "2") return;
      if (events[data[0]]) events[data[0]](data[1]);
      else if (options.onEvent) options.onEvent(data[0], data[1]);
    }

    function send(frame) {
      if (socket && socket.readyState === 1) socket.send(frame);
    }

    function emit(name, data, onAck) {
      var id = "";
      if (onAck) { id = String(++ackId); acks[id] = onAck; }
      send("42" + id + JSON.stringify([name, data]));
    }

    function scheduleReconnect() {
      var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempt++));
      var delay = 500 + Math.random() * ceiling;
      var info = { retryAt: Date.now() + delay, failures: failures };
      state(navigator.onLine === false ? "offline" : "reconnecting", info);
      retryTimer = setTimeout(connect, delay);
    }

    function retry() {
      // Connected already: nothing to do here (the caller may re-sync instead).
      if (socket) return false;
      attempt = 0;
      connect();
      return true;
    }

    connect();
    function connected() {
      return socket !== null && socket.readyState === 1;
    }

    return { emit: emit, retry: retry, connected: connected };
  };
})();
