import { installPrecache, cleanupPrecache, precacheEntryFor, respondFromPrecache } from "./precache.js";
import { openDatabase } from "../pwa/js/idb.js";
import { Outbox } from "../pwa/js/outbox.js";
import { sendOutbox, announceOutboxChange } from "../pwa/js/sendOutbox.js";

// The service worker. The server prepends PRECACHE (the app shell with revisions) and
// NAVIGATION_PATHS. The worker answers only precached URLs; API calls and every
// other page go to the network untouched, so personal data is never put in a cache.
self.addEventListener("install", (event) => {
  event.waitUntil(installPrecache(PRECACHE));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(cleanupPrecache(PRECACHE).then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const entry = precacheEntryFor(PRECACHE, request, NAVIGATION_PATHS);
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
