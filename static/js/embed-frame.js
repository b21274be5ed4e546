// Inside an embedded live blog: tell the host page how tall the content is, so its
// optional embed.js can size the iframe. The height is not secret, hence target "*";
// the host checks where the message came from.
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var h = Math.ceil(document.documentElement.scrollHeight);
    if (h === last) return;
    last = h;
    window.parent.postMessage({ type: "showfloor:height", height: h }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
  else setInterval(report, 1000);
  report();
})();
