// The desk's service worker: when the network is gone, a reload of a desk
// page is answered from the copy cached on the last visit, so the composer
// and its outbox (kept in localStorage) keep working offline.
"use strict";

var CACHE = "showfloor-desk-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  var desk = req.mode === "navigate" && url.pathname.indexOf("/desk/") === 0;
  if (!desk && url.pathname.indexOf("/static/") !== 0) return;
  // Network first, so reporters always get fresh pages while online.
  event.respondWith(
    fetch(req)
      .then(function (res) {
        if (res.ok) {
          var copy = res.clone();
          caches.open(CACHE).then(function (c) { c.put(req, copy); });
        }
        return res;
      })
      .catch(function () {
        return caches.match(req).then(function (hit) { return hit || Response.error(); });
      })
  );
});
