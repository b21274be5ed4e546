// The event hub: follows the event's hub stream (follow_event) and keeps every section
// current from the same cards the server rendered: summary, featured, blogs by status
// with their key moments, what is on stage now and next (with countdowns), key moments.
(function () {
  "use strict";

  var root = document.getElementById("hub");
  var stateEl = document.getElementById("hub-state");
  if (!root || !stateEl || !window.Showfloor || !window.Showfloor.l10n) return;
  var L = window.Showfloor.l10n, _ = L._;
  var $ = function (id) { return document.getElementById(id); };
  var state = JSON.parse(stateEl.textContent);
  var NEXT = 3, GROUP_KEYS = 3;
  var times = window.Showfloor.times;
  var STATUS = { live: _("Live"), scheduled: _("Coming up"), ended: _("Ended") };

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) if (attrs[k] != null) el.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { if (c != null) el.append(c); });
    return el;
  }
  function html(tag, attrs, markup) { var el = h(tag, attrs); el.innerHTML = markup; return el; }
  // A <time> in the reader's locale (times.js), with the day unless it is today.
  function time(iso, style) { var el = times.timeEl(iso, style); times.render(el); return el; }
  function fill(el, kids) { el.replaceChildren.apply(el, kids); }

  // ---- sections ------------------------------------------------------------

  function renderSummary() {
    $("hub-summary").hidden = !state.summary_html;
    $("hub-summary-body").innerHTML = state.summary_html || ""; // sanitised by the server
  }

  function renderFeatures() {
    var cards = (state.lead ? [state.lead] : []).concat(state.features || []);
    $("hub-featured").hidden = !cards.length;
    fill($("hub-features"), cards.map(function (c) {
      var b = c.blog;
      return h("article", { "class": "feature" + (c.lead ? " feature--lead" : ""), "data-feature-id": c.id }, [
        h("p", { "class": "feature__blog" }, [h("a", { href: b.url }, [b.title]), " ", h("span", { "class": "badge badge--" + b.status }, [STATUS[b.status] || b.status])]),
        c.entry ? relabelled(html("div", { "class": "feature__entry" }, c.entry.html)) : b.description ? h("p", { "class": "feature__desc" }, [b.description]) : null
      ]);
    }));
  }

  function relabelled(el) { L.relabel(el); times.renderAll(el); return el; }

  function keyItem(k, withBlog) {
    return h("li", { "data-entry-id": k.entry_id }, [h("a", { href: k.url }, [
      time(k.published_at), " ", withBlog ? h("span", { "class": "keylist__blog" }, [k.blog_title]) : null, withBlog ? " " : null,
      h("span", { "class": "keylist__text" }, [k.headline || k.text])
    ])]);
  }

  function renderGroups() {
    var labels = [["live", _("Live now")], ["scheduled", _("Coming up")], ["ended", _("Ended")]];
    fill($("hub-groups"), labels.map(function (pair) {
      var blogs = state.blogs.filter(function (b) { return b.status === pair[0]; });
      if (!blogs.length) return null;
      return h("section", { "class": "hub__group hub__group--" + pair[0] }, [h("h2", {}, [pair[1]]), h("ul", { "class": "cards" }, blogs.map(function (b) {
        var keys = state.key_moments.filter(function (k) { return k.blog_id === b.id; }).slice(0, GROUP_KEYS);
        return h("li", { "class": "card", "data-blog-id": b.id }, [
          b.status === "live" ? h("span", { "class": "badge badge--live" }, [_("Live")]) : null,
          h("h3", { "class": "card__title" }, [h("a", { href: b.url }, [b.title])]),
          b.description ? h("p", { "class": "card__desc" }, [b.description]) : null,
          keys.length ? h("ul", { "class": "keylist" }, keys.map(function (k) { return keyItem(k, false); })) : null
        ]);
      }))]);
    }).filter(Boolean));
  }

  function renderKeys() {
    $("hub-keys-box").hidden = !state.key_moments.length;
    fill($("hub-keys"), state.key_moments.map(function (k) { return keyItem(k, true); }));
  }

  function countdown(iso) {
    var s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    if (s <= 0) return _("now");
    var d = Math.floor(s / 86400), hr = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) return _("in %(days)s d %(hours)s h", { days: d, hours: hr });
    if (hr) return _("in %(hours)s h %(minutes)s min", { hours: hr, minutes: m });
    if (m >= 10) return _("in %(minutes)s min", { minutes: m });
    return _("in %(minutes)s min %(seconds)s s", { minutes: m, seconds: s % 60 });
  }

  function session(s, next) {
    var blogs = state.blogs.filter(function (b) { return b.session_id === s.id; });
    return h("li", { "class": "session", "data-session-id": s.id }, [
      h("span", { "class": "session__time" }, [time(s.starts_at), "–", time(s.ends_at, "clock")]), " ",
      h("strong", { "class": "session__title" }, [s.title]), s.stage ? h("span", { "class": "muted" }, [" · " + s.stage]) : null,
      next ? " " : null, next ? h("span", { "class": "countdown", "data-starts": s.starts_at }, [countdown(s.starts_at)]) : null
    ].concat(blogs.map(function (b) {
      return [" ", h("a", { "class": "session__blog", href: b.url }, [b.status === "live" ? _("Follow live") : _("Live blog")])];
    }).flat()));
  }

  function renderAgenda() {
    var now = Date.now(), at = function (iso) { return new Date(iso).getTime(); };
    var onNow = state.agenda.filter(function (s) { return at(s.starts_at) <= now && now < at(s.ends_at); });
    var next = state.agenda.filter(function (s) { return at(s.starts_at) > now; })
      .sort(function (a, b) { return at(a.starts_at) - at(b.starts_at); }).slice(0, NEXT);
    fill($("hub-agenda"), [
      h("h2", {}, [_("On stage")]),
      onNow.length ? h("ul", { "class": "sessions", id: "agenda-now" }, onNow.map(function (s) { return session(s, false); }))
        : h("p", { "class": "muted", id: "agenda-now-empty" }, [_("Nothing on stage right now.")]),
      h("h2", {}, [_("Next on the agenda")]),
      next.length ? h("ul", { "class": "sessions", id: "agenda-next" }, next.map(function (s) { return session(s, true); }))
        : h("p", { "class": "muted" }, [_("Nothing else scheduled.")])
    ]);
  }

  // The show's days, "3–6 Mar 2027" as the reader's locale writes a range.
  function days(from, to) {
    var f = new Intl.DateTimeFormat(times.lang, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
    var a = new Date(from + "T00:00:00Z"), b = new Date(to + "T00:00:00Z");
    return f.formatRange ? f.formatRange(a, b) : f.format(a) + " – " + f.format(b);
  }

  function renderDays() {
    var el = $("hub-days");
    el.dataset.starts = state.event.starts_on;
    el.dataset.ends = state.event.ends_on;
    el.textContent = days(el.dataset.starts, el.dataset.ends);
  }

  function renderHead() {
    var e = state.event;
    document.querySelector("#hub-head h1").textContent = e.name;
    var place = [e.venue, e.city].filter(Boolean).join(", ");
    $("hub-meta").replaceChildren(place ? place + " · " : "", h("span", { id: "hub-days" }));
    renderDays();
    $("hub-desc").textContent = e.description || "";
    $("hub-desc").hidden = !e.description;
    renderCover(e.cover);
  }

  function renderCover(cover) {
    var img = $("hub-cover-img");
    $("hub-cover").hidden = !cover;
    if (!cover) return;
    if (img.getAttribute("src") !== cover.src) {
      img.srcset = cover.srcset;
      img.src = cover.src;
      img.width = cover.width;
      img.height = cover.height;
    }
    img.alt = cover.alt;
    $("hub-cover-credit").textContent = cover.credit ? _("Photo: %(credit)s", { credit: cover.credit }) : "";
    $("hub-cover-credit").hidden = !cover.credit;
  }

  function tick() {
    var due = false;
    document.querySelectorAll(".countdown").forEach(function (el) {
      el.textContent = countdown(el.dataset.starts);
      if (el.textContent === _("now")) due = true;
    });
    var ending = document.querySelectorAll("#agenda-now time:last-of-type");
    ending.forEach(function (t) { if (new Date(t.getAttribute("datetime")).getTime() <= Date.now()) due = true; });
    if (due) renderAgenda();
  }

  // ---- the stream ------------------------------------------------------------

  function upsert(list, item, key) {
    var i = list.findIndex(function (x) { return x[key] === item[key]; });
    if (i >= 0) list[i] = item; else list.push(item);
  }

  var handlers = {
    hub_summary_changed: function (m) { state.summary_html = m.summary_html; renderSummary(); },
    hub_features_changed: function (m) { state.lead = m.lead; state.features = m.features; renderFeatures(); },
    key_moments_changed: function (m) { state.key_moments = m.key_moments; renderKeys(); renderGroups(); },
    agenda_changed: function (m) {
      state.agenda = state.agenda.filter(function (s) { return s.id !== m.session_id; });
      if (m.session) state.agenda.push(m.session);
      renderAgenda();
    },
    blog_changed: function (m) { upsert(state.blogs, m.blog, "id"); state.blogs.sort(function (a, b) { return a.id - b.id; }); renderGroups(); renderAgenda(); },
    event_changed: function (m) { for (var k in state.event) if (k in m) state.event[k] = m[k]; renderHead(); }
  };
  handlers.blog_status_changed = handlers.blog_changed;

  function apply(msg) {
    root.dataset.seq = String(msg.seq);
    if (handlers[msg.type]) handlers[msg.type](msg);
    var announce = $("announce");
    if (announce && msg.type === "key_moments_changed" && msg.key_moments.length) {
      announce.textContent = _("Key moment: %(text)s", { text: msg.key_moments[0].headline || msg.key_moments[0].text });
    }
  }

  var conn = $("connection");
  function onState(name) {
    conn.hidden = false;
    conn.className = "connection connection--" + name;
    conn.textContent = {
      live: _("Connected"),
      polling: _("Live (updates every few seconds)"),
      reconnecting: _("Reconnecting…"),
      offline: _("Offline")
    }[name];
  }

  renderAgenda(); // the reader's clock may be past a boundary the server rendered
  renderDays();
  setInterval(tick, 1000);
  window.Showfloor.hub = window.Showfloor.stream({
    follow: "follow_event",
    key: "event_id",
    id: Number(root.dataset.eventId),
    seq: Number(root.dataset.seq),
    changesUrl: root.dataset.changesUrl,
    apply: apply,
    onState: onState
  });
})();
