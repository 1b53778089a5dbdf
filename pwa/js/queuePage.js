import { openDatabase } from "./idb.js";
import { SealedQueue } from "./sealedQueue.js";
import { syncSealed, reconcile } from "./syncSealed.js";
import { sendOwnApplications } from "./sendOutbox.js";

// The worker's queue screen: counts, times and receipt codes only — never names or
// answers — the storage left, and sync with progress and a reconciliation from the server.
function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
}

const STATES = {
  queued: "waiting",
  sent: "received",
  held: "received, needs attention: an answer must be fixed. The program will contact this applicant",
};

function megabytes(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export async function startQueuePage(root) {
  const $ = (id) => document.getElementById(id);
  const db = await openDatabase();
  const queue = new SealedQueue(db);
  const device = await queue.device();
  if (!device) {
    $("queue-not-enrolled").hidden = false;
    return;
  }
  $("queue-event").textContent = `${device.event.name}, ${device.event.place}, ${device.event.day}`;
  root.hidden = false;

  const render = async () => {
    const items = await queue.all();
    const count = (state) => items.filter((item) => item.state === state).length;
    $("count-taken").textContent = String(items.length);
    $("count-waiting").textContent = String(count("queued"));
    $("count-sent").textContent = String(count("sent") + count("held"));
    $("count-held").textContent = String(count("held"));
    $("held-note").hidden = count("held") === 0;
    $("count-attention").textContent = String(count("attention"));
    const rows = items.slice().reverse().map((item) => {
      const row = document.createElement("tr");
      cell(row, item.receipt_code);
      cell(row, new Date(item.queued_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      cell(row, STATES[item.state] || `needs attention: ${item.problem}. It is still on this device`);
      return row;
    });
    $("queue-rows").replaceChildren(...rows);
    if (navigator.storage && navigator.storage.estimate) {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      $("storage").textContent = `${megabytes(usage)} used, ${megabytes(Math.max(0, quota - usage))} left`;
    }
  };

  const progress = $("sync-progress");
  const status = $("sync-status");
  $("sync-now").addEventListener("click", async () => {
    $("sync-now").disabled = true;
    progress.hidden = false;
    await sendOwnApplications(db).catch(() => {}); // any from before the set-up: see sendOutbox.js
    const outcome = await syncSealed(queue, device, (state) => {
      progress.max = Math.max(1, state.total);
      progress.value = state.done;
      status.textContent = `Sending: ${state.done} of ${state.total}`;
    });
    await render();
    if (outcome.stopped === "revoked") {
      status.textContent = "This device was reported lost and switched off. The applications on it are kept, sealed: "
        + "bring it to the program's staff, who can restore it so they can be sent.";
    } else if (outcome.stopped === "signin") {
      status.textContent = "A worker needs to sign in again before these can be sent. Nothing was lost.";
      $("renew-link").hidden = false;
    } else if (outcome.stopped) {
      status.textContent = `Stopped after ${outcome.done} of ${outcome.total}: ${outcome.stopped === "offline" ? "no connection" : "the server was busy"}. Nothing was lost: press sync to continue.`;
    } else {
      const check = await reconcile(queue, device);
      status.textContent = check
        ? `${check.taken} taken at this event, ${check.received} received by the server.`
        : "Sent. The server could not confirm the count just now: press sync again.";
      $("reconciliation").textContent = check ? `${check.taken} taken at this event, ${check.received} received by the server` : "";
    }
    $("sync-now").disabled = false;
  });
  await render();
}
