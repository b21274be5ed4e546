// The reference for the fan-out benchmark: a minimal Node.js socket.io server doing
// Showfloor's broadcast. It speaks the same wire as Showfloor where the load
// generator looks (the `follow` event with an ack, `entry_published` messages
// carrying blog_id/seq/entry_id, POST /api/v1/blogs/<id>/entries), keeps its
// change stream in memory, and does nothing else, so it marks how fast the
// broadcast itself can be on this machine.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const host = process.env.BENCH_HOST || "127.0.0.1";
const port = Number(process.env.BENCH_PORT || 5001);
// Showfloor's defaults (blog/platform/config.py), so pings cost both servers alike.
const PING_MS = 20000;

const blogs = new Map();
let lastEntryId = 0;

// Any positive id names a blog; it springs into being empty, as a fresh one would.
function blogOf(id) {
  if (!Number.isInteger(id) || id <= 0) return null;
  if (!blogs.has(id)) blogs.set(id, { lastSeq: 0, changes: [] });
  return blogs.get(id);
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function entryHtml(id, source, at) {
  // About the shape and size of Showfloor's _entry.html partial.
  return (
    `<article class="entry entry--text" id="entry-${id}" data-entry-id="${id}" ` +
    `data-version="1" data-published-at="${at}">\n  <header class="entry__meta">` +
    `<a class="entry__time" href="/e/bench/live/entries/${id}"><time datetime="${at}">` +
    `${at.slice(11, 16)}</time></a> <span class="entry__author">Bench reporter</span>` +
    `</header>\n  <div class="entry__body"><p>${escapeHtml(source)}</p></div>\n</article>`
  );
}

function publish(blogId, source) {
  const blog = blogOf(blogId);
  const id = ++lastEntryId;
  const at = new Date().toISOString();
  const message = {
    blog_id: blogId,
    seq: ++blog.lastSeq,
    type: "entry_published",
    entry_id: id,
    version: 1,
    status: "published",
    pinned: false,
    key: false,
    published_at: at,
    html: entryHtml(id, source, at),
  };
  blog.changes.push(message);
  io.to(`blog:${blogId}`).emit("entry_published", message);
  return { id, blog_id: blogId, version: 1, status: "published", html: message.html };
}

function sendJson(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(data),
  });
  res.end(data);
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

async function route(req, res) {
  const m = /^\/api\/v1\/blogs\/(\d+)(\/entries)?$/.exec(req.url);
  const blog = m && blogOf(Number(m[1]));
  if (req.url === "/healthz") return sendJson(res, 200, { ok: true });
  if (!blog) return sendJson(res, 404, { error: "Not found." });
  if (req.method === "GET" && !m[2]) {
    return sendJson(res, 200, { id: Number(m[1]), last_seq: blog.lastSeq });
  }
  if (req.method === "POST" && m[2]) {
    if (!/^Bearer \S+/.test(req.headers.authorization || "")) {
      return sendJson(res, 401, { error: "token" });
    }
    const body = JSON.parse(await readBody(req));
    return sendJson(res, 201, publish(Number(m[1]), String(body.source || "")));
  }
  return sendJson(res, 405, { error: "Method not allowed." });
}

function follow(socket, data, ack) {
  const blog = data && blogOf(data.blog_id);
  const since = data && Number.isInteger(data.since) ? data.since : -1;
  if (!blog || since < 0) return ack && ack({ ok: false, error: "bad follow" });
  socket.join(`blog:${data.blog_id}`);
  // Replay what the reader missed, as Showfloor does from its change table.
  const missed = blog.changes.filter((c) => c.seq > since);
  for (const change of missed) socket.emit(change.type, change);
  if (ack) ack({ ok: true, last_seq: blog.lastSeq });
}

const server = http.createServer((req, res) => {
  route(req, res).catch((err) => sendJson(res, 400, { error: String(err) }));
});
const io = new Server(server, {
  serveClient: false,
  transports: ["websocket"],
  pingInterval: PING_MS,
  pingTimeout: PING_MS,
});
io.on("connection", (socket) => {
  socket.on("follow", (data, ack) => follow(socket, data, ack));
  socket.on("unfollow", (data, ack) => {
    socket.leave(`blog:${data && data.blog_id}`);
    if (ack) ack({ ok: true });
  });
});
server.listen(port, host, () => {
  console.log(`reference serving on http://${host}:${server.address().port}/ (socket.io ${require("socket.io/package.json").version})`);
});
