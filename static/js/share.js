// Share and copy without any third-party script. A [data-share] link (each entry's, the
// blog's) opens the device's share sheet where the browser has one and copies the link
// otherwise; without either it stays a plain link (the permalink, with its share links).
// [data-copy] and [data-copy-from] buttons copy their text.
(function () {
  "use strict";
  var l10n = window.Showfloor && window.Showfloor.l10n;
  var _ = l10n ? l10n._ : function (s) { return s; };

  var canCopy = !!(navigator.clipboard && window.isSecureContext);

  function announce(text) {
    var el = document.getElementById("announce");
    if (el) el.textContent = text;
  }

  // What a flashing control showed before: its own nodes, so a visually hidden part and
  // the localised spans come back as they were, not as visible flat text.
  var flashed = new WeakMap();

  function flash(el, text) {
    var was = flashed.get(el);
    if (was) clearTimeout(was.timer);
    else flashed.set(el, (was = { nodes: Array.prototype.slice.call(el.childNodes) }));
    el.textContent = text;
    announce(text);
    was.timer = setTimeout(function () {
      el.replaceChildren.apply(el, was.nodes);
      flashed.delete(el);
    }, 2000);
  }

  function copy(el, text, done) {
    return navigator.clipboard.writeText(text).then(function () { flash(el, done || _("Link copied")); });
  }

  // What a [data-share] link shares: the box's (blog, permalink), or its entry's.
  function target(el) {
    var box = el.closest(".share");
    if (box) return { url: box.dataset.url, title: box.dataset.title };
    var entry = el.closest(".entry");
    var head = entry && (entry.querySelector(".entry__headline") || entry.querySelector(".entry__body"));
    var text = head ? head.textContent.trim().replace(/\s+/g, " ") : "";
    return {
      url: el.dataset.shareUrl || el.href,
      title: el.dataset.shareTitle || (text.length > 100 ? text.slice(0, 99) + "…" : text) || document.title
    };
  }

  function share(el) {
    var data = target(el);
    if (navigator.share) {
      return navigator.share(data).catch(function (err) {
        // The reader closed the sheet: nothing to do. Anything else: copy instead.
        if (err && err.name !== "AbortError" && canCopy) copy(el, data.url);
      });
    }
    return copy(el, data.url);
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-share],[data-copy],[data-copy-from]");
    if (!b) return;
    var shares = b.hasAttribute("data-share");
    // Neither a share sheet nor a clipboard: a link goes where it points.
    if (shares && !navigator.share && !canCopy) return;
    ev.preventDefault();
    if (shares) return share(b);
    copy(b, b.dataset.copy || document.querySelector(b.dataset.copyFrom).value, b.dataset.copy ? _("Link copied") : _("Copied"));
  });
  document.querySelectorAll("button[data-share]").forEach(function (b) { b.hidden = !navigator.share; });
  document.querySelectorAll("[data-copy],[data-copy-from]").forEach(function (b) { b.hidden = !canCopy; });
})();
