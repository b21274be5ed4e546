// Keeps an editor's review queue current: joins the event's editors-only room
// over a websocket (raw Socket.IO v5 frames, like live.js) and re-fetches the
// queue's list whenever it changes, and after every reconnect.
(function () {
  "use strict";

  var root = document.getElementById("review-queue");
  if (!root || !("WebSocket" in window)) return;

  var eventId = Number(root.dataset.eventId);
  var itemsUrl = root.dataset.itemsUrl;
  var connEl = document.getElementById("connection");
  var socket = null;
  var attempt = 0;

  function refresh() {
    fetch(itemsUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) { if (!editing()) root.innerHTML = html; })
      .catch(function () { showConnection("reconnecting"); });
  }

  function editing() {
    // Never wipe a note an editor is typing; the next change refreshes again.
    var el = document.activeElement;
    return el && el.tagName === "TEXTAREA" && root.contains(el) && el.value !== "";
  }

  function showConnection(state) {
    connEl.hidden = false;
    connEl.textContent = { live: "Live", reconnecting: "Reconnecting…" }[state];
    connEl.className = "connection connection--" + state;
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(proto + "//" + location.host + "/socket.io/?EIO=4&transport=websocket");
    socket.onmessage = function (ev) { onFrame(String(ev.data)); };
    socket.onclose = function () { socket = null; scheduleReconnect(); };
  }

  function onFrame(frame) {
    var type = frame.charAt(0);
    if (type === "0") return send("40");
    if (type === "2") return send("3");
    if (type === "4") return onPacket(frame.slice(1));
  }

  function onPacket(packet) {
    var type = packet.charAt(0);
    if (type === "0") return send("421" + JSON.stringify(["review_follow", { event_id: eventId }]));
    if (type === "1") { if (socket) socket.close(); return; } // the server ended it: reconnect
    if (type === "3") return onJoined(JSON.parse(packet.replace(/^3\d*/, ""))[0]);
    if (type !== "2") return;
    var data = JSON.parse(packet.slice(1).replace(/^\d*/, ""));
    if (data[0] === "review_queue_changed" && data[1].event_id === eventId) refresh();
  }

  function onJoined(ack) {
    if (!ack || !ack.ok) { location.reload(); return; } // rights gone: let the server say so
    attempt = 0;
    showConnection("live");
    refresh(); // whatever changed while we were away
  }

  function send(frame) {
    if (socket && socket.readyState === 1) socket.send(frame);
  }

  function scheduleReconnect() {
    showConnection("reconnecting");
    var ceiling = Math.min(30000, 1000 * Math.pow(2, attempt++));
    setTimeout(connect, 500 + Math.random() * ceiling);
  }

  connect();
})();
