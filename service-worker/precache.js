// Precaching with revisions (after Workbox's PrecacheController): every entry is stored
// under its URL plus revision, so an unchanged file is never downloaded twice, and
// activation deletes only this app's own outdated entries and caches.
const CACHE_PREFIX = "youthjobs-";
const PRECACHE_NAME = `${CACHE_PREFIX}precache-v1`;

function cacheKey(entry) {
  if (!entry.revision) return new URL(entry.url, self.location.origin).href;
  const url = new URL(entry.url, self.location.origin);
  url.searchParams.set("__rev", entry.revision);
  return url.href;
}

export async function installPrecache(entries) {
  const cache = await caches.open(PRECACHE_NAME);
  for (const entry of entries) {
    const key = cacheKey(entry);
    if (await cache.match(key)) continue;
    const response = await fetch(entry.url, { cache: "reload", credentials: "same-origin" });
    if (!response.ok) throw new Error(`precache failed for ${entry.url}: ${response.status}`);
    await cache.put(key, response);
  }
}

export async function cleanupPrecache(entries) {
  const keep = new Set(entries.map(cacheKey));
  const cache = await caches.open(PRECACHE_NAME);
  for (const request of await cache.keys()) {
    if (!keep.has(request.url)) await cache.delete(request);
  }
  for (const name of await caches.keys()) {
    if (name.startsWith(CACHE_PREFIX) && name !== PRECACHE_NAME) await caches.delete(name);
  }
}

// The precache entry that answers a request, or undefined: decided synchronously, so the
// worker only takes over requests it can answer from the cache.
export function precacheEntryFor(entries, request, navigationPaths) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return undefined;
  if (request.mode === "navigate" && navigationPaths.includes(url.pathname)) {
    return entries.find((entry) => entry.url === "/apply");
  }
  return entries.find((entry) => entry.url === url.pathname + url.search);
}

// Cache first; the network only if the cache lost the entry (e.g. the browser evicted it).
export async function respondFromPrecache(entry, request) {
  const cache = await caches.open(PRECACHE_NAME);
  const cached = await cache.match(cacheKey(entry), { ignoreVary: true });
  return cached || fetch(request);
}
