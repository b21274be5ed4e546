// The readers' scripts' words and clocks in the page's language. The page carries its
// table as JSON (<script type="application/json" id="l10n">, blog/readers/l10n.py): only
// the words whose translation differs from the English source, so a missing one is the
// source itself. Dates and times use Intl with <html lang>, the same CLDR patterns the
// server's blog/platform/dates.py uses through Babel. Loaded before the other scripts.
(function () {
  "use strict";

  var el = document.getElementById("l10n");
  var table = {};
  try { table = el ? JSON.parse(el.textContent) : {}; } catch (e) { table = {}; }
  var lang = document.documentElement.lang || "en";
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;

  function fill(text, vars) {
    return !vars ? text : text.replace(/%\((\w+)\)s/g, function (all, name) {
      return name in vars ? String(vars[name]) : all;
    });
  }

  // _("Reconnecting…"), _("Photo: %(credit)s", {credit: c}): babel.cfg extracts these calls.
  function gettext(msgid, vars) {
    var text = typeof table[msgid] === "string" ? table[msgid] : msgid;
    return fill(text, vars);
  }

  // ngettext("%(num)s reader", "%(num)s readers", n): num is filled in, in the page's digits.
  function ngettext(singular, plural, n, vars) {
    var forms = table[singular];
    var one = plurals ? plurals.select(n) === "one" : n === 1;
    var text = forms && typeof forms === "object" ? (one ? forms.one : forms.other) : one ? singular : plural;
    var all = { num: window.Intl ? new Intl.NumberFormat(lang).format(n) : n };
    for (var k in vars || {}) all[k] = vars[k];
    return fill(text, all);
  }

  // ---- clocks: the options beside each function of blog/platform/dates.py ----

  var formats = {};
  function format(kind, zone, date) {
    var key = kind + "|" + zone;
    if (!formats[key]) {
      var opts = { hour: "numeric", minute: "2-digit", timeZone: zone };
      if (kind !== "clock") { opts.day = "numeric"; opts.month = "short"; }
      if (kind === "full") opts.year = "numeric";
      formats[key] = new Intl.DateTimeFormat(lang, opts);
    }
    return formats[key].format(date);
  }
  function clock(date, zone) { return format("clock", zone, date); }
  function dayAndClock(date, zone) { return format("day", zone, date); }
  function full(date, zone) { return format("full", zone, date); }
  function daySpan(first, last) {
    var f = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
    return f.formatRange ? f.formatRange(first, last) : f.format(first) + "–" + f.format(last);
  }

  // ---- a pushed entry, rendered in its event's locale, in this page's -------

  function relabel(root, zone) {
    root.querySelectorAll("[data-l10n]").forEach(function (node) {
      var vars = null;
      try { vars = JSON.parse(node.dataset.l10nVars || "null"); } catch (e) { vars = null; }
      node.textContent = gettext(node.dataset.l10n, vars);
    });
    root.querySelectorAll("time[data-clock]").forEach(function (node) {
      var date = new Date(node.getAttribute("datetime"));
      node.textContent = node.dataset.clock === "day" ? dayAndClock(date, zone) : clock(date, zone);
    });
  }

  window.Showfloor = window.Showfloor || {};
  window.Showfloor.l10n = {
    lang: lang, _: gettext, ngettext: ngettext,
    clock: clock, dayAndClock: dayAndClock, full: full, daySpan: daySpan, relabel: relabel
  };
})();
