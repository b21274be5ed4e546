// Times and dates in the page's locale. The server writes every <time data-when> in the
// event's timezone with CLDR's patterns through Babel (blog/platform/dates.py); this writes
// it again with Intl in the page's language, the same CLDR data and options that match the
// server's ("5:05 PM" in en, "17:05" in en-GB and es), so a page shows one clock format
// throughout, and "today" stays today for a page cached yesterday. Styles: "clock" the time
// only, "auto" the time with the day unless it is today at the venue, "full" always the whole
// date. The title says the zone and the reader's own time.
(function () {
  "use strict";

  // l10n.js (loaded first) has the page's words: "%(time)s your time", "just now".
  if (!window.Intl || !window.Showfloor || !window.Showfloor.l10n) return;
  var _ = window.Showfloor.l10n._;
  var lang = document.documentElement.lang || undefined;
  var readerTz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var made = {};
  var CLOCK = { hour: "numeric", minute: "2-digit" };
  var DAY = { weekday: "short", day: "numeric", month: "short" };

  function fmt(tz, opts) {
    var key = tz + JSON.stringify(opts);
    if (!made[key]) made[key] = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz }, opts));
    return made[key];
  }

  function dayOf(date, tz) { return fmt(tz, { year: "numeric", month: "2-digit", day: "2-digit" }).format(date); }

  function when(date, tz, style) {
    if (style === "clock") return fmt(tz, CLOCK).format(date);
    var now = new Date();
    if (style !== "full" && dayOf(date, tz) === dayOf(now, tz)) return fmt(tz, CLOCK).format(date);
    var year = style === "full" || fmt(tz, { year: "numeric" }).format(date) !== fmt(tz, { year: "numeric" }).format(now);
    return fmt(tz, Object.assign(year ? { year: "numeric" } : {}, DAY, CLOCK)).format(date);
  }

  function title(date, tz) {
    var at = fmt(tz, { dateStyle: "full", timeStyle: "short" }).format(date) + " (" + tz + ")";
    if (!readerTz || readerTz === tz) return at;
    return at + " · " + _("%(time)s your time", { time: fmt(readerTz, CLOCK).format(date) });
  }

  var rtf = Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
  var UNITS = [["day", 86400], ["hour", 3600], ["minute", 60]];

  // "5 minutes ago", "yesterday", "just now"; empty where the browser cannot say it.
  function ago(date) {
    if (!rtf) return "";
    var s = Math.round((date.getTime() - Date.now()) / 1000);
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(s) >= UNITS[i][1]) return rtf.format(Math.round(s / UNITS[i][1]), UNITS[i][0]);
    }
    return rtf.format(0, "second") === "now" ? _("just now") : rtf.format(0, "second");
  }

  function zoneOf(el) {
    var box = el.closest("[data-tz]") || document.querySelector("[data-tz]");
    return box ? box.dataset.tz : readerTz;
  }

  function render(el) {
    var date = new Date(el.getAttribute("datetime"));
    if (isNaN(date)) return;
    var tz = zoneOf(el), text = when(date, tz, el.dataset.when);
    if (el.textContent !== text) el.textContent = text;
    el.title = title(date, tz);
  }

  // Every <time data-when> in root (the root itself included).
  function renderAll(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches("time[data-when]")) render(root);
    root.querySelectorAll("time[data-when]").forEach(render);
  }

  // A new <time> for a script that builds its own markup (the hub's cards).
  function timeEl(iso, style) {
    var el = document.createElement("time");
    el.setAttribute("datetime", iso);
    el.dataset.when = style || "auto";
    return el;
  }

  renderAll(document.body);
  // "Today" moves on at midnight, and a cached page may be from yesterday.
  setInterval(function () { renderAll(document.body); }, 60000);
  window.Showfloor = window.Showfloor || {};
  window.Showfloor.times = { when: when, ago: ago, render: render, renderAll: renderAll, timeEl: timeEl, lang: lang };
})();
