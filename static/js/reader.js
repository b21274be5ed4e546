// The live blog page (and its embed): applies the change stream to the server-rendered
// page without ever moving what the reader is looking at, plus the reader's tools:
// new-updates bar, filters, load more, key-moment jumps, relative times, last visit,
// readers count and connection state. Everything here is an enhancement:
// the page reads and navigates without it.
(function () {
  "use strict";

  var root = document.getElementById("live");
  if (!root || !window.Showfloor || !window.Showfloor.l10n) return;
  var L = window.Showfloor.l10n, _ = L._, ngettext = L.ngettext;
  var $ = function (id) { return document.getElementById(id); };
  var entriesEl = $("entries"), pinnedEl = $("pinned"), barEl = $("newbar");
  var blogId = Number(root.dataset.blogId);
  var order = root.dataset.order || "newest";
  var paged = root.dataset.paged === "1";
  var filters = JSON.parse(root.dataset.filters || "{}");
  var tz = root.dataset.tz;
  var reduceMotion = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var baseTitle = document.title;
  var queue = []; // new entries held back while the reader is scrolled away
  var unseenHidden = 0; // entries added while the tab was in the background
  var SEEN_KEY = "showfloor:seen:" + blogId;

  // ---- placing entries -------------------------------------------------

  function fromHtml(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function newer(a, b) {
    var ta = a.dataset.publishedAt, tb = b.dataset.publishedAt;
    if (ta !== tb) return ta > tb;
    return Number(a.dataset.entryId) > Number(b.dataset.entryId);
  }

  function matches(el) {
    if (filters.key && !el.classList.contains("entry--key")) return false;
    if (filters.speaker && el.dataset.speaker !== String(filters.speaker)) return false;
    if (filters.org && el.dataset.org !== String(filters.org)) return false;
    if (filters.tag && JSON.parse(el.dataset.tags || "[]").indexOf(filters.tag) < 0) return false;
    return true;
  }

  function atTop() { return (window.scrollY || document.documentElement.scrollTop) < 40; }

  // Keep the first visible entry where it is on screen across a DOM change.
  function keepScroll(change) {
    var anchor = null, items = document.querySelectorAll(".entry");
    for (var i = 0; i < items.length; i++) {
      if (items[i].getBoundingClientRect().bottom > 0) { anchor = items[i]; break; }
    }
    var before = anchor && anchor.getBoundingClientRect().top;
    change();
    if (anchor && anchor.isConnected && !atTop()) {
      var delta = anchor.getBoundingClientRect().top - before;
      if (delta) window.scrollBy(0, delta);
    }
  }

  function insert(el) {
    var items = entriesEl.children;
    var first = order === "newest";
    for (var i = 0; i < items.length; i++) {
      if (newer(el, items[i]) === first) return entriesEl.insertBefore(el, items[i]);
    }
    // Past the end while more pages exist: the entry belongs on another page.
    if (items.length && root.dataset.more === "1") return null;
    return entriesEl.appendChild(el);
  }

  function findQueued(id) {
    for (var i = 0; i < queue.length; i++) if (queue[i].dataset.entryId === String(id)) return i;
    return -1;
  }

  // A new key moment: published as one, or marked afterwards (not an edit of one); alerts.js listens.
  var KEY_TYPES = ["entry_published", "entry_key_changed"];

  function applyEntry(msg) {
    var old = $("entry-" + msg.entry_id);
    var q = findQueued(msg.entry_id);
    var el = msg.status === "published" && msg.html ? fromHtml(msg.html) : null;
    if (el) L.relabel(el); // rendered in the event's locale, shown in the page's
    updateKeys(msg, el);
    if (el && msg.key && KEY_TYPES.indexOf(msg.type) >= 0) {
      document.dispatchEvent(new CustomEvent("showfloor:key-moment", { detail: { id: msg.entry_id, text: summary(el) } }));
    }
    if (el && !matches(el)) el = null;
    if (q >= 0) {
      if (el && !msg.pinned) { queue[q] = el; return showBar(); }
      queue.splice(q, 1); // gone, or pinned: then it goes on top below
      showBar();
      if (!el) return;
    }
    if (!el) { if (old) keepScroll(function () { old.remove(); }); return; }
    var pin = msg.pinned && !paged;
    // An edit stays in place; a new display time (an editor backdating) moves it below.
    var moved = old && !pin && old.dataset.publishedAt !== el.dataset.publishedAt;
    if (old && (old.parentNode === pinnedEl) === pin && !moved) {
      return keepScroll(function () { old.replaceWith(el); decorate(el); collapsePinned(); }); // an edit, in place
    }
    if (!old && paged) return; // an older page shows only its own entries
    if (old) keepScroll(function () { old.remove(); });
    if (pin) return keepScroll(function () { pinnedEl.innerHTML = ""; pinnedEl.appendChild(el); decorate(el); collapsePinned(); });
    if (!old && order === "newest" && !atTop()) { queue.unshift(el); return showBar(); }
    keepScroll(function () { if (insert(el)) decorate(el); });
    if (!old) arrived([el]);
  }

  function arrived(els) {
    var empty = $("empty");
    if (empty) empty.remove();
    if (document.visibilityState === "hidden") unseenHidden += els.length;
    else rememberSeen();
    updateTitle();
    announce(els.length === 1 ? _("New update: %(text)s", { text: summary(els[0]) }) : ngettext("%(num)s new update", "%(num)s new updates", els.length));
  }

  function setStatus(status) {
    var el = $("blog-status");
    if (!el) return;
    el.textContent = { live: _("Live"), scheduled: _("Not started"), ended: _("Ended") }[status] || status;
    el.className = "badge badge--" + status;
  }

  function apply(msg) {
    root.dataset.seq = String(msg.seq);
    if (msg.type === "blog_status_changed") return setStatus(msg.status);
    // A tombstone (docs/protocol.md §4): a retracted entry's has no status, so
    // applyEntry removes it; a superseded one's entry comes back whole at the
    // seq it names, so what is shown stays until then.
    if (msg.taken_down && msg.superseded_by) return;
    if (msg.entry_id !== undefined) applyEntry(msg);
  }

  // ---- the new-updates bar -----------------------------------------------

  function showBar() {
    updateTitle();
    if (!barEl) return;
    var n = queue.length;
    barEl.hidden = n === 0;
    barEl.textContent = ngettext("%(num)s new update", "%(num)s new updates", n);
    if (n) announce(barEl.textContent);
  }

  function updateTitle() {
    var n = queue.length + unseenHidden;
    document.title = n ? "(" + n + ") " + baseTitle : baseTitle;
  }

  function flush() {
    var els = queue.slice().reverse(); // oldest first, so each lands on top in turn
    queue = [];
    els.forEach(function (el) { if (insert(el)) decorate(el); });
    showBar();
    if (!els.length) return;
    arrived(els);
    // Keyboard and screen-reader users land on the newest update, like everyone else.
    var newest = els[els.length - 1];
    newest.setAttribute("tabindex", "-1");
    newest.focus({ preventScroll: true });
    scrollToEl(entriesEl);
  }

  function scrollToEl(el) {
    el.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "start" });
  }

  if (barEl) barEl.addEventListener("click", flush);
  window.addEventListener("scroll", function () { if (atTop() && queue.length) flush(); }, { passive: true });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { unseenHidden = 0; updateTitle(); rememberSeen(); }
  });

  // ---- key moments ---------------------------------------------------------

  function summary(el) {
    var h = el.querySelector(".entry__headline") || el.querySelector(".entry__body");
    var text = h ? h.textContent.trim().replace(/\s+/g, " ") : "";
    return text.length > 80 ? text.slice(0, 79) + "…" : text;
  }

  function updateKeys(msg, el) {
    var list = $("keylist");
    if (!list) return;
    var li = list.querySelector('li[data-entry-id="' + msg.entry_id + '"]');
    if (li) li.remove();
    if (el && msg.key) {
      li = document.createElement("li");
      li.dataset.entryId = msg.entry_id;
      li.dataset.publishedAt = msg.published_at;
      var a = document.createElement("a");
      a.href = "#entry-" + msg.entry_id;
      var text = document.createElement("span");
      text.className = "keylist__text";
      text.textContent = summary(el);
      a.append(el.querySelector("time").cloneNode(true), " ", text);
      li.appendChild(a);
      list.insertBefore(li, list.firstElementChild);
    }
    $("keys").hidden = !list.children.length;
    $("keys-count").textContent = list.children.length;
  }

  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href^="#entry-"]');
    if (!a) return;
    var target = $(a.getAttribute("href").slice(1));
    if (!target) {
      // Not on this page (held in the bar, or further back): open the page around it.
      var idx = findQueued(a.getAttribute("href").slice(7));
      if (idx >= 0) { flush(); target = $(a.getAttribute("href").slice(1)); }
      else { ev.preventDefault(); location.href = location.pathname + "?around=" + a.getAttribute("href").slice(7) + a.getAttribute("href"); return; }
    }
    ev.preventDefault();
    history.replaceState(null, "", a.getAttribute("href"));
    jumpTo(target);
  });

  function jumpTo(target) {
    document.querySelectorAll(".entry--target").forEach(function (e) { e.classList.remove("entry--target"); });
    target.classList.add("entry--target");
    target.setAttribute("tabindex", "-1");
    scrollToEl(target);
    target.focus({ preventScroll: true });
  }

  // ---- times: in the reader's locale (times.js), and how long ago --------------

  var times = window.Showfloor.times;

  function decorate(el) {
    var time = el.querySelector && el.querySelector(".entry__meta time");
    if (!time || !times) return;
    times.renderAll(el);
    var span = el.querySelector(".entry__ago");
    if (!span) {
      span = document.createElement("span");
      span.className = "entry__ago";
      time.parentNode.insertAdjacentElement("afterend", span);
    }
    span.textContent = times.ago(new Date(time.getAttribute("datetime")));
  }

  function tick() { document.querySelectorAll(".entry").forEach(decorate); }

  // ---- the pinned entry: a few lines, with "Show more" ------------------------

  function collapsePinned() {
    var el = pinnedEl && pinnedEl.querySelector(".entry");
    if (!el || el.querySelector(".entry__more")) return;
    var full = el.offsetHeight;
    el.classList.add("entry--clamped");
    // Short enough already: leave it whole, without a button that would change nothing.
    if (el.offsetHeight > full - 40) return el.classList.remove("entry--clamped");
    var more = document.createElement("button");
    more.type = "button";
    more.className = "entry__more";
    more.setAttribute("aria-expanded", "false");
    more.textContent = _("Show more");
    more.addEventListener("click", function () {
      var open = el.classList.toggle("entry--clamped") === false;
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? _("Show less") : _("Show more");
    });
    el.querySelector(".entry__foot").insertAdjacentElement("beforebegin", more);
  }

  // ---- since your last visit -----------------------------------------------

  function newestShown() {
    var best = null;
    document.querySelectorAll(".entry").forEach(function (e) { if (!best || newer(e, best)) best = e; });
    return best;
  }

  function rememberSeen() {
    if (paged) return;
    var e = newestShown();
    try { if (e) localStorage.setItem(SEEN_KEY, JSON.stringify({ t: e.dataset.publishedAt, id: e.dataset.entryId })); } catch (err) { /* private mode */ }
  }

  function sinceLastVisit() {
    var box = $("since-visit"), seen;
    try { seen = JSON.parse(localStorage.getItem(SEEN_KEY) || "null"); } catch (err) { seen = null; }
    if (!box || !seen || paged) return;
    var mark = { dataset: { publishedAt: seen.t, entryId: seen.id } };
    var unread = [].filter.call(document.querySelectorAll("#pinned .entry, #entries .entry"), function (e) { return newer(e, mark); });
    if (!unread.length) return;
    unread.forEach(function (e) { e.classList.add("entry--unread"); });
    var first = unread.reduce(function (a, b) { return newer(a, b) ? b : a; });
    var n = unread.length + (root.dataset.more === "1" && unread.length >= entriesEl.children.length ? "+" : "");
    box.textContent = ngettext("%(num)s new update since your last visit.", "%(num)s new updates since your last visit.", unread.length, { num: n }) + " ";
    var a = document.createElement("a");
    a.href = "#" + first.id;
    a.textContent = _("Jump to the first unread");
    box.appendChild(a);
    box.hidden = false;
  }

  // ---- load more, filters, order -------------------------------------------

  var more = $("load-more");
  if (more) more.addEventListener("click", function (ev) {
    ev.preventDefault();
    more.setAttribute("aria-busy", "true");
    fetch(more.href + (more.href.indexOf("?") < 0 ? "?" : "&") + "fragment=1", { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (body) {
        var t = document.createElement("template");
        t.innerHTML = body.html;
        [].slice.call(t.content.children).forEach(function (el) {
          if (!$(el.id)) { entriesEl.appendChild(el); decorate(el); }
        });
        more.removeAttribute("aria-busy");
        if (body.next) more.href = body.next;
        else { more.parentNode.remove(); root.dataset.more = "0"; }
      })
      .catch(function () { location.href = more.href; });
  });

  var form = $("filters");
  if (form) {
    form.addEventListener("change", function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
    var apply_ = form.querySelector("[data-apply]");
    if (apply_) apply_.hidden = true;
    // Drop empty fields so filter URLs stay short and shareable.
    form.addEventListener("submit", function () {
      [].forEach.call(form.elements, function (f) { if (f.name && !f.value) f.disabled = true; });
    });
  }

  // ---- connection, readers, announcements ---------------------------

  var conn = $("connection"), retry = $("retry");
  function onState(name) {
    if (!conn) return;
    conn.hidden = false;
    conn.className = "connection connection--" + name;
    conn.textContent = {
      live: _("Connected"),
      polling: _("Live (updates every few seconds)"),
      reconnecting: _("Reconnecting…"),
      offline: _("Offline")
    }[name];
    if (retry) retry.hidden = name === "live" || name === "polling";
  }
  if (retry) retry.addEventListener("click", function () { window.Showfloor.reader.retry(); });

  function showReaders(n) {
    var el = $("readers");
    if (!el || typeof n !== "number") return;
    el.hidden = n < 1;
    el.textContent = ngettext("%(num)s reader", "%(num)s readers", n);
  }

  var announcer = $("announce");
  function announce(text) { if (announcer) announcer.textContent = text; }

  // ---- start ---------------------------------------------------------------

  tick();
  setInterval(tick, 30000);
  collapsePinned();
  // Beside the stream on a wide screen the key moments are open; above it on a phone, a summary.
  if ($("keys") && window.matchMedia && matchMedia("(min-width: 60rem)").matches) $("keys").open = true;
  sinceLastVisit();
  rememberSeen();
  if (location.hash.indexOf("#entry-") === 0 && $(location.hash.slice(1))) $(location.hash.slice(1)).classList.add("entry--target");

  window.Showfloor.reader = window.Showfloor.stream({
    follow: "follow",
    key: "blog_id",
    id: blogId,
    seq: Number(root.dataset.seq),
    changesUrl: root.dataset.changesUrl,
    apply: apply,
    onState: onState,
    onFollow: function (ack) { showReaders(ack.readers); },
    on: { readers_changed: function (d) { if (d && d.blog_id === blogId) showReaders(d.readers); } }
  });
  window.Showfloor.tick = tick;
})();
