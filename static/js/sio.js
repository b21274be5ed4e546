// A small Socket.IO v5 client over a websocket (Engine.IO v4 frames), for the
// desk pages: connect, emit with acknowledgements, receive events, reconnect
// with backoff and jitter. window.ShowfloorSocket(options) returns {emit}.
(function () {
  "use strict";

  window.ShowfloorSocket = function (options) {
    var socket = null;
    var attempt = 0;
    var ackId = 0;
    var acks = {};

    function connect() {
      var proto = location.protocol === "https:" ? "wss:" : "ws:";
      socket = new WebSocket(proto + "//" + location.host + "/socket.io/?EIO=4&transport=websocket");
      socket.onmessage = function (ev) { onFrame(String(ev.data)); };
      socket.onclose = function () {
        socket = null;
        if (options.onState) options.onState("reconnecting");
        var ceiling = Math.min(30000, 1000 * Math.pow(2, attempt++));
        setTimeout(connect, 500 + Math.random() * ceiling);
      };
    }

    function onFrame(frame) {
      var type = frame.charAt(0);
      if (type === "0") return send("40");
      if (type === "2") return send("3");
      if (type !== "4") return;
      var packet = frame.slice(1);
      if (packet.charAt(0) === "0") {
        attempt = 0;
        if (options.onState) options.onState("live");
        if (options.onConnect) options.onConnect();
        return;
      }
      var m = /^([23])(\d*)(\[.*)$/s.exec(packet);
      if (!m) return;
      var data = JSON.parse(m[3]);
      if (m[1] === "2" && options.events && options.events[data[0]]) options.events[data[0]](data[1]);
      if (m[1] === "3" && acks[m[2]]) { acks[m[2]](data[0]); delete acks[m[2]]; }
    }

    function send(frame) {
      if (socket && socket.readyState === 1) socket.send(frame);
    }

    function emit(name, data, onAck) {
      var id = "";
      if (onAck) { id = String(++ackId); acks[id] = onAck; }
      send("42" + id + JSON.stringify([name, data]));
    }

    connect();
    return { emit: emit };
  };
})();
