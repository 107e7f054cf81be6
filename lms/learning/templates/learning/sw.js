/* Service worker: module pages once opened can be read again without a connection. */
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "lms-static-" + VERSION;
const PAGE_CACHE = "lms-pages";
const STATIC_URLS = {{ static_urls|tojson }};
const OFFLINE_HTML = {{ offline_html|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll(STATIC_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("lms-static-") && k !== STATIC_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  // Logging out forgets the pages kept for offline reading (a phone may be shared).
  if (event.data === "logout") event.waitUntil(caches.delete(PAGE_CACHE));
});

function isReadable(url) {
  return url.origin === self.location.origin && /^\/(kelas|istilah)(\/|$)/.test(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/media/")) {
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(url.pathname.startsWith("/media/") ? PAGE_CACHE : STATIC_CACHE).then((c) => c.put(request, copy));
        }
        return response;
      }))
    );
    return;
  }
  if (request.mode === "navigate" && isReadable(url) && !request.headers.get("HX-Request")) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(PAGE_CACHE).then((c) => c.put(url.pathname, copy));
        }
        return response;
      }).catch(() => caches.match(url.pathname, { ignoreVary: true }).then((hit) => hit || new Response(OFFLINE_HTML, {
        status: 503, headers: { "Content-Type": "text/html; charset=utf-8" }
      })))
    );
  }
});
