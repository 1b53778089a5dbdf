import { openDatabase, transaction } from "../pwa/js/idb.js";

// Precaching with revisions (after Workbox's PrecacheController): every entry is stored
// under its URL plus revision, so an unchanged file is never downloaded twice, and
// activation deletes only this app's own outdated entries and caches. Entries marked
// "lazy" (the page in other languages) are fetched when first used, then kept up to date.
const CACHE_PREFIX = "youthjobs-";
const PRECACHE_NAME = `${CACHE_PREFIX}precache-v1`;

function cacheKey(entry) {
  const url = new URL(entry.url, self.location.origin);
  if (entry.revision) url.searchParams.set("__rev", entry.revision);
  return url.href;
}

function withoutRevision(href) {
  const url = new URL(href);
  url.searchParams.delete("__rev");
  return url.href;
}

async function store(cache, entry, response) {
  if (!response.ok) throw new Error(`precache failed for ${entry.url}: ${response.status}`);
  await cache.put(cacheKey(entry), response);
}

export async function installPrecache(entries) {
  const cache = await caches.open(PRECACHE_NAME);
  const used = new Set((await cache.keys()).map((request) => withoutRevision(request.url)));
  for (const entry of entries) {
    const key = cacheKey(entry);
    if (await cache.match(key)) continue;
    // a lazy page is refreshed only if this phone has used it before
    if (entry.lazy && !used.has(new URL(entry.url, self.location.origin).href)) continue;
    await store(cache, entry, await fetch(entry.url, { cache: "reload", credentials: "same-origin" }));
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

// The precache entry for a request, decided synchronously, so the worker only takes over
// requests it can answer.
export function precacheEntryFor(entries, request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return undefined;
  return entries.find((entry) => entry.url === url.pathname + url.search);
}

async function cached(entry) {
  if (!entry) return undefined;
  const cache = await caches.open(PRECACHE_NAME);
  return cache.match(cacheKey(entry), { ignoreVary: true });
}

// Cache first; else the network (keeping a lazy entry for next time).
export async function respondFromPrecache(entry, request) {
  const hit = await cached(entry);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && entry.lazy) {
    const cache = await caches.open(PRECACHE_NAME);
    await cache.put(cacheKey(entry), response.clone());
  }
  return response;
}

// Fetch a lazy entry now (the page asks for its own language to be kept offline).
export async function precacheNow(entry) {
  if (!entry || (await cached(entry))) return;
  const cache = await caches.open(PRECACHE_NAME);
  await store(cache, entry, await fetch(entry.url, { credentials: "same-origin" }));
}

async function rememberedLanguage() {
  try {
    const db = await openDatabase();
    return await transaction(db, ["meta"], "readonly", (tx) => tx.objectStore("meta").get("lang"));
  } catch (error) {
    return undefined;
  }
}

// "/", "/apply" or "/outreach/apply": the page in the language this phone last used, from
// the cache if it has it; else the network; offline and without it, any cached language.
export async function respondToPage(entries, request, page, defaultLang) {
  const lang = await rememberedLanguage();
  const hit = lang && (await cached(entries.find((entry) => entry.url === `${page}?lang=${lang}`)));
  if (hit) return hit;
  try {
    const response = await fetch(request);
    // keep the page just fetched, under its language, for the next time there is no signal
    const entry = entries.find((candidate) => candidate.url === `${page}?lang=${response.headers.get("Content-Language")}`);
    if (response.ok && entry) {
      const cache = await caches.open(PRECACHE_NAME);
      await cache.put(cacheKey(entry), response.clone());
    }
    return response;
  } catch (error) {
    // offline: the default language first, then whichever language this phone has
    const isDefault = (entry) => (entry.url.endsWith(`=${defaultLang}`) ? 0 : 1);
    const candidates = entries.filter((entry) => entry.url.startsWith(`${page}?lang=`));
    for (const entry of candidates.sort((a, b) => isDefault(a) - isDefault(b))) {
      const fallback = await cached(entry);
      if (fallback) return fallback;
    }
    throw error;
  }
}
