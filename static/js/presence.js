// Who else is on this blog's desk, and who is writing or editing what. Each
// server process announces its own people; lists are merged per server and a
// server that stops announcing is forgotten.
(function () {
  "use strict";

  var form = document.getElementById("composer") || document.getElementById("edit-form");
  var bar = document.getElementById("desk-presence");
  if (!form || !bar || !window.ShowfloorSocket) return;

  var blogId = Number(form.dataset.blogId);
  var me = Number(form.dataset.userId);
  var editing = form.dataset.entryId ? Number(form.dataset.entryId) : null;
  var servers = {}; // server id -> {people, at}
  var STALE_MS = 90000;
  var typing = false;
  var idleTimer = null;

  var sock = window.ShowfloorSocket({
    onConnect: function () { sock.emit("join_desk", { blog_id: blogId }, function () { report(); }); },
    events: {
      desk_presence: function (msg) {
        if (msg.blog_id !== blogId) return;
        servers[msg.server] = { people: msg.people, at: Date.now() };
        render();
      },
    },
  });

  function report() {
    sock.emit("desk_activity", { blog_id: blogId, typing: typing, editing: editing });
  }

  form.addEventListener("input", function () {
    if (!typing) { typing = true; report(); }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { typing = false; report(); }, 5000);
  });
  // Announce again now and then, so other desks keep this server's list fresh.
  setInterval(report, 30000);

  function render() {
    var now = Date.now();
    var others = [];
    Object.keys(servers).forEach(function (id) {
      if (now - servers[id].at > STALE_MS) return delete servers[id];
      servers[id].people.forEach(function (p) { if (p.user_id !== me) others.push(p); });
    });
    bar.hidden = others.length === 0;
    bar.textContent = others.length ? "On this desk: " + others.map(describe).join(", ") : "";
    markEdited(others);
  }

  function describe(p) {
    if (p.editing) return p.name + " (editing entry " + p.editing + ")";
    return p.typing ? p.name + " (writing…)" : p.name;
  }

  function markEdited(others) {
    // A soft lock: say who is editing an entry, never block anyone.
    document.querySelectorAll("[data-edited-by]").forEach(function (el) { el.removeAttribute("data-edited-by"); el.title = ""; });
    others.forEach(function (p) {
      var el = p.editing && document.getElementById("desk-entry-" + p.editing);
      if (el) { el.setAttribute("data-edited-by", p.name); el.title = p.name + " is editing this entry"; }
    });
  }
})();
