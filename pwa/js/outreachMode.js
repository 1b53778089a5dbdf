import { SealedQueue } from "./sealedQueue.js";
import { fillMessage } from "./errorMessages.js";

// The application page on a shared outreach device: each submission is sealed and queued,
// a thank-you screen shows the receipt code, and the page starts clean for the next
// person. An application left alone is cleared after a warning.
export async function startOutreachMode(db, form, messages, clear) {
  const $ = (id) => document.getElementById(id);
  const queue = new SealedQueue(db);
  const device = await queue.device();
  if (!device) {
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
  const restartIdle = () => {
    clearTimeout(idleTimer);
    clearInterval(countdown);
    warning.hidden = true;
    idleTimer = setTimeout(warn, idleSeconds * 1000);
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

  return {
    async submit(draft, answers, client) {
      const item = await queue.add(device, draft, answers, client);
      clearTimeout(idleTimer);
      $("form-area").hidden = true;
      $("thank-you-code").textContent = item.receipt_code;
      $("thank-you").hidden = false;
      $("thank-you").focus();
      await showBar();
    },
  };
}
