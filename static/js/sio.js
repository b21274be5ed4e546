// Showfloor's one Socket.IO v5 client (Engine.IO v4 frames over a plain
// WebSocket), shared by the reader pages (live.js), the desk and the review
// queue, so no page needs a client library. It connects, answers pings, emits
// with acknowledgements, hands events on, and reconnects with full jitter so a
// restarted server is not hit by every page at once: the server announces the
// reconnect window in any answer carrying `reconnect_window_ms` (a follow's), or
// in the answer to `hello`, sent on connect unless the page says its first event
// answers it (options.hello false); the first retry after a lost connection
// waits a random delay in [0, window), later ones double the range.
// The page's first events leave with the namespace connect, without waiting for
// its answer: the server takes a connection's messages in order, so a reconnect
// costs one round trip less (docs/protocol.md, "Connecting").
// A draining server sends `reconnect_soon` {within_ms}: the page then moves at a
// random moment in [0, within_ms), while still receiving, and reconnects at once
// (to whichever process the proxy picks); onConnect re-follows from its seq.
// It counts the connections in a row that failed to open or died young, and says
// so with each "reconnecting" state (info.failures): a proxy that blocks websockets
// looks like that, and the page can follow over HTTP meanwhile (live.js).
//
// window.ShowfloorSocket({onConnect, onState(name, info), events: {name: fn},
// onEvent(name, data), hello}) returns {emit(name, data, onAck), retry(), connected()}.
(function () {
  "use strict";

  var MAX_BACKOFF_MS = 30000;
  // Until the server said otherwise (docs/protocol.md, "Reconnecting").
  var DEFAULT_WINDOW_MS = 5000;
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
    var windowMs = DEFAULT_WINDOW_MS;
    var moving = false; // closed on the server's request: reconnect at once
    var moveTimer = null;
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
        clearTimeout(moveTimer);
        if (moving) {
          moving = false;
          attempt = 0;
          failures = 0; // a planned move is not a failing network
          return connect();
        }
        scheduleReconnect();
      };
    }

    function onFrame(frame) {
      var type = frame.charAt(0);
      if (type === "0") return onOpen(); // engine.io open
      if (type === "2") return send("3"); // ping: pong
      if (type === "4") return onPacket(frame.slice(1));
    }

    function onOpen() {
      // Join the default namespace, and send the page's first events right
      // behind it: the server answers the connect before it reads them.
      send("40");
      // With an ack id, or the server would not answer: the answer names the window.
      if (options.hello !== false) emit("hello", {}, function () {});
      if (options.onConnect) options.onConnect();
    }

    function onPacket(packet) {
      var type = packet.charAt(0);
      if (type === "0") {
        attempt = 0;
        connectedAt = Date.now();
        state("live");
        return;
      }
      // The server ended it, or refused the namespace connect (events sent
      // behind it were dropped): reconnect, spread over the window.
      if (type === "1" || type === "4") { if (socket) socket.close(); return; }
      var m = /^(\d*)(\[[\s\S]*)$/.exec(packet.slice(1));
      if (!m) return;
      var data = JSON.parse(m[2]);
      if (type === "3") {
        var onAck = acks[m[1]];
        delete acks[m[1]];
        learnWindow(data[0]);
        if (onAck) onAck(data[0]);
        return;
      }
      if (type !== "2") return;
      if (data[0] === "reconnect_soon") return moveSoon(data[1]);
      if (events[data[0]]) events[data[0]](data[1]);
      else if (options.onEvent) options.onEvent(data[0], data[1]);
    }

    function learnWindow(answer) {
      if (answer && answer.reconnect_window_ms > 0) windowMs = answer.reconnect_window_ms;
    }

    function send(frame) {
      if (socket && socket.readyState === 1) socket.send(frame);
    }

    function emit(name, data, onAck) {
      var id = "";
      if (onAck) { id = String(++ackId); acks[id] = onAck; }
      send("42" + id + JSON.stringify([name, data]));
    }

    function moveSoon(data) {
      // Full jitter over the announced window: readers leave a draining
      // process spread out, and keep receiving from it until they go.
      var within = data && data.within_ms > 0 ? data.within_ms : windowMs;
      clearTimeout(moveTimer);
      moveTimer = setTimeout(function () {
        if (!socket) return;
        moving = true;
        socket.close();
      }, Math.random() * within);
    }

    function scheduleReconnect() {
      // Full jitter: the first retry anywhere in the window, then twice as wide.
      var ceiling = Math.min(MAX_BACKOFF_MS, windowMs * Math.pow(2, attempt++));
      var delay = Math.random() * ceiling;
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
