import { transaction } from "./idb.js";
import { newId, nowIso } from "./ids.js";

// The application being filled in on this device, saved as the person types.
export class Drafts {
  constructor(db) {
    this.db = db;
  }

  current() {
    return transaction(this.db, ["drafts", "meta"], "readonly", (tx) => {
      const found = { draft: null };
      const pointer = tx.objectStore("meta").get("currentDraft");
      pointer.onsuccess = () => {
        if (!pointer.result) return;
        const request = tx.objectStore("drafts").get(pointer.result);
        request.onsuccess = () => {
          found.draft = request.result || null;
        };
      };
      return found;
    }).then((found) => found.draft);
  }

  // A new draft gets its id now; that id is kept forever and sent with every attempt.
  // A new draft, not yet kept anywhere.
  unsaved(formVersion) {
    const now = nowIso();
    return { id: newId(), form_version: formVersion, answers: {}, started_at: now, updated_at: now, errors: [] };
  }

  start(formVersion) {
    const draft = this.unsaved(formVersion);
    return transaction(this.db, ["drafts", "meta"], "readwrite", (tx) => {
      tx.objectStore("drafts").put(draft);
      tx.objectStore("meta").put(draft.id, "currentDraft");
      return draft;
    });
  }

  // Erase a draft from the device (e.g. the person turned out not to be eligible).
  discard(id) {
    return transaction(this.db, ["drafts", "meta"], "readwrite", (tx) => {
      tx.objectStore("drafts").delete(id);
      tx.objectStore("meta").delete("currentDraft");
    });
  }

  save(draft) {
    draft.updated_at = nowIso();
    return transaction(this.db, ["drafts"], "readwrite", (tx) => tx.objectStore("drafts").put(draft));
  }
}
