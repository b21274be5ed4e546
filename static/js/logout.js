// Logging out forgets the desk on this device: the service worker's copies of
// desk pages (they show the account's name and its drafts) and the worker
// itself, so an offline reload after logout shows nothing of the account.
// Unsent entries stay in the outbox under this account's own key: they go out
// at its next login on this device and no other account ever loads them.
(function () {
  "use strict";

  var form = document.querySelector("form.logout");
  if (!form) return;
  var FORGET_WAIT_MS = 3000; // a browser that never answers must not block logging out

  noteKeptOutbox();
  form.addEventListener("submit", function (ev) {
    if (form.dataset.forgotten) return;
    ev.preventDefault();
    var leave = function () {
      form.dataset.forgotten = "1";
      form.submit();
    };
    var timeout = new Promise(function (resolve) { setTimeout(resolve, FORGET_WAIT_MS); });
    Promise.race([forgetDesk(), timeout]).then(leave, leave);
  });

  function forgetDesk() {
    var jobs = [];
    if (window.caches) {
      jobs.push(caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("showfloor-desk") === 0; })
          .map(function (k) { return caches.delete(k); }));
      }));
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
        return Promise.all(regs.map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs);
  }

  function noteKeptOutbox() {
    var items = [];
    try {
      items = JSON.parse(localStorage.getItem("showfloor.outbox." + form.dataset.userId)) || [];
    } catch (e) { items = []; }
    if (!items.length) return;
    var note = document.createElement("span");
    note.className = "logout__note";
    note.textContent = items.length + (items.length === 1 ? " unsent entry stays" : " unsent entries stay") +
      " on this device after logging out, for your next login here; no other account sees them.";
    form.appendChild(note);
  }
})();
