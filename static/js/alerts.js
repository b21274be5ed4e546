// Key-moment alerts on the blog page while its tab is in the background, with the
// Notifications API. Permission is asked only when the reader clicks the button, and a
// refusal shows nothing. Alerts to a closed tab (Web Push) are not offered: they need a
// push service on the internet (docs/readers.md). reader.js fires "showfloor:key-moment".
(function () {
  "use strict";
  var button = document.getElementById("notify");
  var root = document.getElementById("live");
  if (!button || !root || !("Notification" in window) || !window.Showfloor || !window.Showfloor.l10n) return;
  var _ = window.Showfloor.l10n._;
  var store = "showfloor:alerts:" + root.dataset.blogId;
  var on = Notification.permission === "granted" && remembered();

  function remembered() {
    try { return localStorage.getItem(store) === "1"; } catch (e) { return false; }
  }

  function remember(value) {
    try { if (value) localStorage.setItem(store, "1"); else localStorage.removeItem(store); } catch (e) { /* private mode */ }
  }

  function show() {
    button.hidden = Notification.permission === "denied";
    button.textContent = on ? _("Stop key-moment alerts") : _("Alert me to key moments");
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  button.addEventListener("click", function () {
    if (on) { on = false; remember(false); return show(); }
    Notification.requestPermission().then(function (permission) {
      on = permission === "granted";
      remember(on);
      show();
    });
  });

  document.addEventListener("showfloor:key-moment", function (ev) {
    if (!on || Notification.permission !== "granted" || document.visibilityState !== "hidden") return;
    var heading = document.querySelector("h1");
    var alert = new Notification(_("Key moment: %(text)s", { text: heading ? heading.textContent.trim() : document.title }), {
      body: ev.detail.text,
      tag: "showfloor-entry-" + ev.detail.id,
    });
    alert.onclick = function () {
      window.focus();
      location.hash = "#entry-" + ev.detail.id;
      alert.close();
    };
  });

  show();
})();
