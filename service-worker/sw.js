import { installPrecache, cleanupPrecache, precacheEntryFor, respondFromPrecache, precacheNow, respondToPage } from "./precache.js";
import { openDatabase } from "../pwa/js/idb.js";
import { Outbox } from "../pwa/js/outbox.js";
import { sendOutbox, announceOutboxChange } from "../pwa/js/sendOutbox.js";

// The service worker. The server prepends PRECACHE (the app shell with revisions),
// NAVIGATION_PAGES and DEFAULT_PAGE. The worker answers only the application page and
// precached URLs; API calls and every other page go to the network untouched, so personal
// data is never put in a cache.
self.addEventListener("install", (event) => {
  event.waitUntil(installPrecache(PRECACHE));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(cleanupPrecache(PRECACHE).then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") self.skipWaiting();
  if (data.type === "CACHE_PAGE") {
    const entry = PRECACHE.find((candidate) => candidate.url === data.url);
    event.waitUntil(precacheNow(entry).catch(() => {}));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && !url.search && url.pathname in NAVIGATION_PAGES) {
    const defaultLang = DEFAULT_PAGE.split("=")[1];
    event.respondWith(respondToPage(PRECACHE, request, NAVIGATION_PAGES[url.pathname], defaultLang));
    return;
  }
  const entry = precacheEntryFor(PRECACHE, request);
  if (entry) event.respondWith(respondFromPrecache(entry, request));
});

// Background Sync, where the browser has it: send the outbox even with no page open.
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(
    openDatabase()
      .then((db) => sendOutbox(new Outbox(db)))
      .then((result) => {
        announceOutboxChange();
        if (result.failed) throw new Error("outbox not fully sent; the browser will retry");
      }),
  );
});
