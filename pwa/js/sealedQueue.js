import { transaction } from "./idb.js";
import { nowIso } from "./ids.js";
import { seal } from "./seal.js";
import { receiptCode } from "./receiptCode.js";

// The applications taken on a shared outreach device: sealed the moment they are
// submitted, so nothing readable about the young person stays on the device. A record
// keeps only its id, receipt code, times and state once the server has it. States:
// queued, sent, held (received, but staff must fix an answer) and attention (refused: kept).
export class SealedQueue {
  constructor(db) {
    this.db = db;
  }

  device() {
    return transaction(this.db, ["meta"], "readonly", (tx) => tx.objectStore("meta").get("device"));
  }

  saveDevice(enrollment) {
    return transaction(this.db, ["meta"], "readwrite", (tx) => tx.objectStore("meta").put(enrollment, "device"));
  }

  all() {
    return transaction(this.db, ["sealed"], "readonly", (tx) => tx.objectStore("sealed").getAll()).then(
      (items) => items.sort((a, b) => a.queued_at.localeCompare(b.queued_at)),
    );
  }

  // Seal the draft, queue it and erase the draft, in that order: the draft goes only once
  // the sealed record is safely stored.
  async add(device, draft, answers, client) {
    const content = { answers, client };
    const sealed = await seal(device.key, draft.id, draft.form_version, device.device, content);
    const item = {
      id: draft.id,
      form_version: draft.form_version,
      sealed,
      event_id: device.event.id,
      receipt_code: receiptCode(draft.id),
      queued_at: nowIso(),
      state: "queued",
    };
    await transaction(this.db, ["sealed", "drafts", "meta"], "readwrite", (tx) => {
      tx.objectStore("sealed").put(item);
      tx.objectStore("drafts").delete(draft.id);
      tx.objectStore("meta").delete("currentDraft");
    });
    return item;
  }

  // Record the server's answer for each item; a received item keeps no sealed data.
  record(results) {
    return transaction(this.db, ["sealed"], "readwrite", (tx) => {
      const store = tx.objectStore("sealed");
      for (const result of results) {
        const request = store.get(result.id);
        request.onsuccess = () => {
          const item = request.result;
          if (!item) return;
          if (result.status === 200 || result.status === 201) {
            // the server has it; "held": it keeps answers the form does not accept, for staff
            // to fix with the young person (the device could never open them again)
            store.put({ id: item.id, event_id: item.event_id, receipt_code: item.receipt_code, queued_at: item.queued_at,
              state: result.needs_attention ? "held" : "sent", received_at: result.received_at });
          } else if (result.status >= 400 && result.status < 500 && result.status !== 429) {
            store.put({ ...item, state: "attention", problem: (result.problem && result.problem.title) || String(result.status) });
          }
        };
      }
    });
  }
}
