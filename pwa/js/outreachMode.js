import { SealedQueue } from "./sealedQueue.js";
import { fillMessage } from "./errorMessages.js";

// Whether this device is set up for an outreach event (its enrolment is kept on the device).
export async function isEnrolledDevice(db) {
  return Boolean(await new SealedQueue(db).device());
}

// The application page on a shared outreach device: each submission is sealed and queued,
// a thank-you screen shows the receipt code, and the page starts clean for the next
// person. An application left alone is cleared after a warning.
export async function startOutreachMode(db, form, messages, clear) {
  const $ = (id) => document.getElementById(id);
  const queue = new SealedQueue(db);
  const device = await queue.device();
  // set up while the server had no key (it now refuses that): it could never seal an
  // application, so a worker must set it up again before anyone fills one in
  if (!device || !device.key) {
    $("form-area").hidden = true;
    $("not-enrolled").hidden = false;
    return null;
  }
  const bar = $("worker-bar");
  const waiting = async () => (await queue.all()).filter((item) => item.state === "queued").length;
  const showBar = async () => {
    $("worker-event").textContent = device.event.name;
    $("worker-waiting").textContent = fillMessage(messages.waiting, { count: await waiting() });
    bar.hidden = false;
  };
  await showBar();

  const idleSeconds = Number(form.dataset.idleSeconds) || 180;
  const warningSeconds = Number(form.dataset.idleWarningSeconds) || 60;
  const warning = $("idle-warning");
  let idleTimer = null;
  let countdown = null;
  // set once an application failed to seal: clearing it unseen would lose it, so it waits
  // for the worker instead
  let held = false;
  const restartIdle = () => {
    clearTimeout(idleTimer);
    clearInterval(countdown);
    warning.hidden = true;
    if (!held) idleTimer = setTimeout(warn, idleSeconds * 1000);
  };
  const warn = () => {
    let left = warningSeconds;
    $("idle-seconds").textContent = String(left);
    warning.hidden = false;
    warning.querySelector("button").focus();
    countdown = setInterval(() => {
      left -= 1;
      $("idle-seconds").textContent = String(Math.max(0, left));
      if (left <= 0) {
        clearInterval(countdown);
        clear();
      }
    }, 1000);
  };
  for (const type of ["input", "change", "click", "keydown", "touchstart"]) document.addEventListener(type, restartIdle);
  warning.querySelector("button").addEventListener("click", restartIdle);
  restartIdle();

  $("next-person").addEventListener("click", () => clear());

  // Resolves true once the application is sealed and queued; false if it could not be
  // sealed, in which case it stays the draft and the failure stays on screen.
  return {
    async submit(draft, answers, client) {
      let item;
      try {
        item = await queue.add(device, draft, answers, client);
      } catch (error) {
        console.error("sealing the application failed", error);
        held = true;
        restartIdle();
        $("seal-failed").hidden = false;
        $("seal-failed").focus();
        return false;
      }
      held = false;
      $("seal-failed").hidden = true;
      clearTimeout(idleTimer);
      $("form-area").hidden = true;
      $("thank-you-code").textContent = item.receipt_code;
      $("thank-you").hidden = false;
      $("thank-you").focus();
      await showBar();
      return true;
    },
  };
}
