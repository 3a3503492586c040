// The check-in desk's service worker: the desk's page and its files stay on the device,
// so that the desk opens again without the network. Its JSON (the list, the queue) is
// never kept here: the page keeps the list in IndexedDB and the queue is sent as it is.
// Signing out clears this cache (Clear-Site-Data: "storage").
"use strict";

var CACHE = "summit-desk-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function keep(request, response) {
  if (response.ok) {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) {
      cache.put(request, copy);
    });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.endsWith(".json")) {
    return;
  }
  if (request.mode === "navigate") {
    // The page from the network when there is one (a fresh CSRF token, the latest
    // figures), else the copy kept.
    event.respondWith(fetch(request).then(function (response) {
      return keep(request, response);
    }).catch(function () {
      return caches.match(request, { ignoreSearch: false }).then(function (kept) {
        return kept || caches.match(request, { ignoreSearch: true });
      });
    }));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    // Files: the kept copy at once, refreshed behind it.
    event.respondWith(caches.match(request).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        return keep(request, response);
      });
      if (kept) {
        fresh.catch(function () {});
        return kept;
      }
      return fresh;
    }));
  }
});
