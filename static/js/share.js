// Share and copy buttons without any third-party script: the Web Share API where the
// browser has it, the clipboard otherwise; the plain share links work everywhere.
(function () {
  "use strict";
  var l10n = window.Showfloor && window.Showfloor.l10n;
  var _ = l10n ? l10n._ : function (s) { return s; };

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-share],[data-copy],[data-copy-from]");
    if (!b) return;
    var box = b.closest(".share");
    if (b.hasAttribute("data-share")) {
      navigator.share({ url: box.dataset.url, title: box.dataset.title }).catch(function () {});
      return;
    }
    var text = b.dataset.copy || document.querySelector(b.dataset.copyFrom).value;
    navigator.clipboard.writeText(text).then(function () {
      var label = b.textContent;
      b.textContent = _("Copied");
      setTimeout(function () { b.textContent = label; }, 2000);
    });
  });
  document.querySelectorAll("[data-share]").forEach(function (b) { b.hidden = !navigator.share; });
  document.querySelectorAll("[data-copy],[data-copy-from]").forEach(function (b) { b.hidden = !(navigator.clipboard && window.isSecureContext); });
})();
