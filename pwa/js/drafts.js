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

  // Resolves with the new draft, or with null if another tab started one (or took one back
  // from the outbox) since this page opened: that one is the person's application now.
  start(formVersion) {
    const draft = { ...this.unsaved(formVersion), revision: newId() };
    return transaction(this.db, ["drafts", "meta"], "readwrite", (tx) => {
      const found = { draft };
      const pointer = tx.objectStore("meta").get("currentDraft");
      pointer.onsuccess = () => {
        const existing = pointer.result ? tx.objectStore("drafts").count(pointer.result) : null;
        const keep = () => {
          tx.objectStore("drafts").put(draft);
          tx.objectStore("meta").put(draft.id, "currentDraft");
        };
        if (!existing) return keep();
        existing.onsuccess = () => {
          if (existing.result) found.draft = null;
          else keep(); // a pointer to nothing: start afresh
        };
      };
      return found;
    }).then((found) => found.draft);
  }

  // Erase a draft from the device (e.g. the person turned out not to be eligible). Given
  // the tab's `draft`, only if no other tab has saved it since: a tab that fell behind does
  // not erase the other's newer answers.
  discard(id, draft = null) {
    return transaction(this.db, ["drafts", "meta"], "readwrite", (tx) => {
      const store = tx.objectStore("drafts");
      const request = store.get(id);
      request.onsuccess = () => {
        if (draft && behind(request.result, draft)) return;
        store.delete(id);
        tx.objectStore("meta").delete("currentDraft");
      };
    });
  }

  // Keep `draft`, unless another tab or window has saved, sent or discarded it since this
  // one last did: then nothing is written (the last save must not silently win) and the
  // answer is "changed" or "gone". Every save gives the draft a new revision (a random
  // token, never reused: counting again from a draft taken back from the outbox could
  // meet an old tab's number). `unchecked`: written at once, without reading first, for a
  // page being closed (it may not live to write after a read).
  save(draft, { unchecked = false } = {}) {
    return transaction(this.db, ["drafts"], "readwrite", (tx) => {
      const store = tx.objectStore("drafts");
      const outcome = { state: "saved" };
      if (unchecked) {
        outcome.revision = newId();
        store.put({ ...draft, revision: outcome.revision, updated_at: nowIso() });
        return outcome;
      }
      const request = store.get(draft.id);
      request.onsuccess = () => {
        const stored = request.result;
        outcome.state = behind(stored, draft);
        if (outcome.state) return;
        outcome.state = "saved";
        // nothing new (a page opened on it, a step revisited): another tab open on the same
        // application is not put behind by it
        if (stored && stored.revision && sameContent(stored, draft)) return;
        outcome.revision = newId();
        store.put({ ...draft, revision: outcome.revision, updated_at: nowIso() });
      };
      return outcome;
    }).then((outcome) => {
      if (outcome.revision) draft.revision = outcome.revision;
      return outcome.state;
    });
  }

  // null while `draft` is what the device holds; else "changed" or "gone" (as for save)
  check(draft) {
    return transaction(this.db, ["drafts"], "readonly", (tx) => tx.objectStore("drafts").get(draft.id))
      .then((stored) => behind(stored, draft));
  }
}

function sameContent(stored, draft) {
  return stored.step === draft.step && stored.form_version === draft.form_version
    && JSON.stringify(stored.answers) === JSON.stringify(draft.answers);
}

// null if `draft` is what the device holds (or was never kept: a first save may keep it);
// else "changed" (another tab saved it since) or "gone" (sent or discarded elsewhere)
export function behind(stored, draft) {
  if (!stored) return draft.revision ? "gone" : null;
  return stored.revision === draft.revision ? null : "changed";
}
