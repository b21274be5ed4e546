// Keeps an editor's review queue current: joins the event's editors-only room
// over the page's socket (sio.js) and re-fetches the queue's list whenever it
// changes, and after every reconnect.
(function () {
  "use strict";

  var root = document.getElementById("review-queue");
  if (!root || !("WebSocket" in window) || !window.ShowfloorSocket) return;

  var eventId = Number(root.dataset.eventId);
  var itemsUrl = root.dataset.itemsUrl;
  var connEl = document.getElementById("connection");

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
    if (state === "offline") state = "reconnecting";
    connEl.hidden = false;
    connEl.textContent = { live: "Live", reconnecting: "Reconnecting…" }[state];
    connEl.className = "connection connection--" + state;
  }

  function onJoined(ack) {
    if (!ack || !ack.ok) { location.reload(); return; } // rights gone: let the server say so
    showConnection("live");
    refresh(); // whatever changed while we were away
  }

  var sock = window.ShowfloorSocket({
    onState: function (state) { if (state !== "live") showConnection(state); },
    onConnect: function () { sock.emit("review_follow", { event_id: eventId }, onJoined); },
    events: {
      review_queue_changed: function (msg) { if (msg.event_id === eventId) refresh(); },
    },
  });
})();
