// The device's database: drafts being filled in, the outbox of submitted applications,
// and small settings. Each entry in UPGRADES moves the schema up one version; never edit
// a released step, add a new one.
const DB_NAME = "youthjobs";
const UPGRADES = [
  (db) => {
    db.createObjectStore("drafts", { keyPath: "id" });
    db.createObjectStore("outbox", { keyPath: "id" });
    db.createObjectStore("meta");
  },
  // version 2: applications taken at an outreach event, sealed (see sealedQueue.js)
  (db) => {
    db.createObjectStore("sealed", { keyPath: "id" });
  },
];

export function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, UPGRADES.length);
    request.onupgradeneeded = (event) => {
      for (let version = event.oldVersion; version < UPGRADES.length; version++) {
        UPGRADES[version](request.result, request.transaction);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // another tab or a new worker wants to upgrade: step aside instead of blocking it
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
  });
}

// Run `work(tx)` in one transaction over `stores`; resolve once it is committed, with
// work's return value (or that request's result, if it returned a request). A write that
// holds a submitted application is flushed to disk before it counts ("strict"); autosaves
// of a draft, many a minute, need not wait for the disk.
export function transaction(db, stores, mode, work) {
  return new Promise((resolve, reject) => {
    const strict = mode === "readwrite" && (stores.includes("outbox") || stores.includes("sealed"));
    const options = mode === "readwrite" ? { durability: strict ? "strict" : "relaxed" } : undefined;
    const tx = db.transaction(stores, mode, options);
    let outcome;
    tx.oncomplete = () => resolve(outcome instanceof IDBRequest ? outcome.result : outcome);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
    try {
      outcome = work(tx);
    } catch (error) {
      tx.abort();
      reject(error);
    }
  });
}
