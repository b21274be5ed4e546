// The readers' scripts' words in the page's language. The page carries its
// table as JSON (<script type="application/json" id="l10n">, blog/readers/l10n.py): only
// the words whose translation differs from the English source, so a missing one is the
// source itself. Dates and times are static/js/times.js's. Loaded before the other scripts.
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

  // "A and B", "A, B and C": blog/platform/i18n.py join_names, the same msgid.
  function joinNames(names) {
    if (names.length < 2) return names.join("");
    return gettext("%(names)s and %(last)s", { names: names.slice(0, -1).join(", "), last: names[names.length - 1] });
  }

  // ---- a pushed entry, rendered in its event's locale, in this page's -------
  // (its times are written again by static/js/times.js)

  function relabel(root) {
    root.querySelectorAll("[data-l10n]").forEach(function (node) {
      var vars = null;
      try { vars = JSON.parse(node.dataset.l10nVars || "null"); } catch (e) { vars = null; }
      node.textContent = gettext(node.dataset.l10n, vars);
    });
    root.querySelectorAll("[data-l10n-label]").forEach(function (node) {
      node.setAttribute("aria-label", gettext(node.dataset.l10nLabel));
    });
    var entries = root.matches && root.matches("[data-authors]") ? [root] : [];
    entries.concat([].slice.call(root.querySelectorAll("[data-authors]"))).forEach(function (entry) {
      var byline = entry.querySelector(".entry__byline");
      var names = [];
      try { names = JSON.parse(entry.dataset.authors); } catch (e) { return; }
      if (byline && byline.firstChild && byline.firstChild.nodeType === 3) byline.firstChild.textContent = joinNames(names);
    });
  }

  window.Showfloor = window.Showfloor || {};
  window.Showfloor.l10n = {
    lang: lang, _: gettext, ngettext: ngettext, joinNames: joinNames, relabel: relabel
  };
})();
