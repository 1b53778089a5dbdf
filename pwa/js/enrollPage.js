import { openDatabase } from "./idb.js";
import { SealedQueue } from "./sealedQueue.js";
import { sendOwnApplications } from "./sendOutbox.js";

// After a worker sets the device up for an event (or renews its sign-in), keep the
// device's credential, event and the server's public key on the device.
export async function keepEnrollment(element) {
  const enrollment = JSON.parse(element.textContent);
  const db = await openDatabase();
  const queue = new SealedQueue(db);
  const previous = await queue.device();
  // a renewal keeps the same device (its sealed records are bound to it) with a new credential
  await queue.saveDevice(previous && previous.device === enrollment.device ? { ...previous, ...enrollment } : enrollment);
  document.getElementById("enrollment-kept").hidden = false;
  await sendOwnApplications(db).catch((error) => console.error("sending this browser's own applications failed", error));
}

// On the set-up page: offer to renew this device's sign-in instead of enrolling a new one.
export async function offerRenewal(form) {
  const queue = new SealedQueue(await openDatabase());
  const device = await queue.device();
  if (!device) return;
  form.querySelector("[name=device]").value = device.device;
  document.getElementById("renew-event").textContent = device.event.name;
  form.hidden = false;
  // records are sealed to this device's set-up: a new event waits until they have arrived
  const waiting = (await queue.all()).filter((item) => item.state === "queued").length;
  if (waiting) {
    document.getElementById("waiting-count").textContent = String(waiting);
    document.getElementById("enroll-blocked").hidden = false;
    document.getElementById("enroll-open").hidden = true;
    document.getElementById("enroll-form").hidden = true;
  }
}
