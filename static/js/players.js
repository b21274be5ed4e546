// Link cards' players, loaded on the reader's click and not before: until then the page
// asks nothing of YouTube, X or any other provider. The iframe's address is the card's
// data-embed-src, which the server built from an id it parsed (blog/content/players.py);
// the Content Security Policy's frame-src lists every host it can name.
(function () {
  "use strict";
  // Players need their own scripts and storage and open links in new tabs; nothing else.
  var SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-presentation";

  // Cards show their "Load" button only where this script runs (static/css/app.css).
  document.documentElement.classList.add("embeds-ready");

  function load(button) {
    var card = button.closest("[data-embed-src]");
    var src = card && card.dataset.embedSrc;
    if (!src || src.indexOf("https://") !== 0) return;
    var title = card.querySelector(".link-card__title");
    var frame = document.createElement("iframe");
    frame.setAttribute("sandbox", SANDBOX);
    // The provider learns our origin (some players refuse to play without it), never the page.
    frame.setAttribute("referrerpolicy", "strict-origin");
    frame.setAttribute("allow", "fullscreen; picture-in-picture; encrypted-media");
    frame.title = card.dataset.embedProvider + ": " + (title ? title.textContent : "");
    frame.src = src;
    var box = document.createElement("div");
    box.className = "embed__frame embed__frame--" + (card.dataset.embedKind === "video" ? "video" : "post");
    box.appendChild(frame);
    button.parentNode.replaceWith(box);
    frame.focus();
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest(".embed__load button");
    if (button) load(button);
  });
})();
