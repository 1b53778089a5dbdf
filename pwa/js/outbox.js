import { transaction } from "./idb.js";
import { behind } from "./drafts.js";
import { newId, nowIso } from "./ids.js";

// Submitted applications waiting for the server, and the receipts it gave back.
// States: "queued" (will be sent), "attention" (the server said no: the person must act),
// "signin" (older versions, after a 401 or 403: sent again like "queued"), "sent" (the server
// has it, and said so with its receipt for this id; answers are erased).
// Nothing here deletes an application the server has not confirmed.

// Ask the browser not to clear this site's storage when space runs low or the site has
// not been visited for a while (Safari clears it after 7 days): something is waiting here.
function keepStorage() {
  if (self.navigator && navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
}

export class Outbox {
  constructor(db) {
    this.db = db;
  }

  all() {
    return transaction(this.db, ["outbox"], "readonly", (tx) => tx.objectStore("outbox").getAll()).then(
      (items) => items.sort((a, b) => a.queued_at.localeCompare(b.queued_at)),
    );
  }

  get(id) {
    return transaction(this.db, ["outbox"], "readonly", (tx) => tx.objectStore("outbox").get(id));
  }

  // Move a finished draft into the outbox in one transaction, so it is never in neither.
  // If it is there already (sent from another tab), that one stands: writing it again
  // would wipe its receipt. Resolves with { item } (the item the outbox holds), or with
  // { behind } ("changed", "gone": see drafts.js) if another tab saved or discarded the
  // draft since this one last did; then nothing is moved.
  submitDraft(draft, client) {
    const item = {
      id: draft.id,
      form_version: draft.form_version,
      answers: draft.answers,
      client,
      state: "queued",
      queued_at: nowIso(),
      attempts: 0,
    };
    const outcome = { item, behind: null };
    return transaction(this.db, ["drafts", "outbox", "meta"], "readwrite", (tx) => {
      const outbox = tx.objectStore("outbox");
      const drafts = tx.objectStore("drafts");
      // checked in the same transaction that moves it: another tab's newer answers are
      // neither overwritten nor erased by this tab's older ones
      const stored = drafts.get(draft.id);
      stored.onsuccess = () => {
        outcome.behind = behind(stored.result, draft);
        if (outcome.behind === "changed") return;
        const existing = outbox.get(item.id);
        existing.onsuccess = () => {
          if (existing.result) {
            outcome.item = existing.result;
            outcome.behind = null;
          } else if (!outcome.behind) {
            outbox.put(item);
          }
        };
        drafts.delete(draft.id);
        tx.objectStore("meta").delete("currentDraft");
      };
    }).then(() => {
      if (!outcome.behind) keepStorage();
      return outcome;
    });
  }

  // Apply `change(item)` to the stored item, if it is still there.
  update(id, change) {
    return transaction(this.db, ["outbox"], "readwrite", (tx) => {
      const store = tx.objectStore("outbox");
      const request = store.get(id);
      request.onsuccess = () => {
        if (request.result) store.put(change(request.result));
      };
    });
  }

  markSent(id, receipt) {
    return this.update(id, (item) => ({
      id: item.id,
      form_version: item.form_version,
      state: "sent",
      queued_at: item.queued_at,
      receipt_code: receipt.receipt_code,
      received_at: receipt.received_at,
    }));
  }

  markProblem(id, state, status, problem) {
    return this.update(id, (item) => ({
      ...item,
      state,
      attempts: item.attempts + 1,
      last_attempt_at: nowIso(),
      problem: { status, title: problem.title || "", errors: problem.errors || [], slug: (problem.type || "").split(":").pop() },
    }));
  }

  // As noteAttempt, and back in the queue if an older version had set it aside ("signin").
  markRequeued(id, reason) {
    return this.update(id, (item) => ({ ...item, state: "queued", attempts: item.attempts + 1, last_attempt_at: nowIso(), last_error: reason }));
  }

  noteAttempt(id, reason) {
    return this.update(id, (item) => ({ ...item, attempts: item.attempts + 1, last_attempt_at: nowIso(), last_error: reason }));
  }

  // Take an application that needs attention back into the form, keeping its id.
  reopen(id) {
    return transaction(this.db, ["drafts", "outbox", "meta"], "readwrite", (tx) => {
      const outbox = tx.objectStore("outbox");
      const request = outbox.get(id);
      request.onsuccess = () => {
        const item = request.result;
        if (!item || item.state === "sent") return;
        tx.objectStore("drafts").put({
          id: item.id,
          form_version: item.form_version,
          answers: item.answers,
          started_at: (item.client && item.client.started_at) || item.queued_at,
          updated_at: nowIso(),
          errors: (item.problem && item.problem.errors) || [],
          revision: newId(), // new: a tab still open on the draft it was is behind it
        });
        tx.objectStore("meta").put(item.id, "currentDraft");
        outbox.delete(id);
      };
    });
  }
}
