// Optional helper for sites that embed a Showfloor live blog: sizes each
// <iframe data-showfloor-embed> to its content. It trusts a message only when it
// comes from that very iframe's window and from the origin its src points to.
(function () {
  "use strict";
  var MAX_HEIGHT = 100000;

  function frameFor(source) {
    var frames = document.querySelectorAll("iframe[data-showfloor-embed]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) return frames[i];
    }
    return null;
  }

  window.addEventListener("message", function (ev) {
    var data = ev.data;
    if (!data || data.type !== "showfloor:height") return;
    var frame = frameFor(ev.source);
    if (!frame) return;
    var origin;
    try { origin = new URL(frame.src, location.href).origin; } catch (e) { return; }
    if (ev.origin !== origin) return;
    var h = Number(data.height);
    if (!isFinite(h) || h < 50 || h > MAX_HEIGHT) return;
    frame.style.height = Math.ceil(h) + "px";
    frame.setAttribute("data-showfloor-height", String(Math.ceil(h)));
  });
})();
