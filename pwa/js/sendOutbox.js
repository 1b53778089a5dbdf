// Send every queued application, one at a time, and record what the server said.
// Runs in the page and in the service worker (Background Sync); a Web Lock keeps two
// copies from sending at once, and the server's idempotency makes a double send harmless.
import { Outbox } from "./outbox.js";

const ENDPOINT = "/api/applications";
const TIMEOUT_MS = 30000;

async function post(item) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await fetch(ENDPOINT, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": item.id },
      body: JSON.stringify({ id: item.id, form_version: item.form_version, answers: item.answers, client: item.client }),
      credentials: "same-origin",
      cache: "no-store",
      // a redirect is never our server's answer (a captive portal, a login page): fail, retry later
      redirect: "error",
      signal: controller.signal,
    });
  } finally {
    clearTimeout(timer);
  }
}

async function readJson(response) {
  try {
    return await response.json();
  } catch (error) {
    return {};
  }
}

// Only the server's receipt for this very application lets its answers be erased: a 200
// from a proxy's or portal's page, or a 201 whose body was cut off, is not one.
function isReceipt(body, item) {
  return body && body.id === item.id && typeof body.receipt_code === "string" && body.receipt_code !== "";
}

async function sendQueued(outbox) {
  const result = { sent: 0, attention: 0, retryAfter: null, failed: false };
  // "signin": left by older versions after a 401 or 403, which this public endpoint never
  // asks for (a firewall or a CDN said it); sent again like the rest
  const items = (await outbox.all()).filter((item) => item.state === "queued" || item.state === "signin");
  for (const item of items) {
    let response;
    try {
      response = await post(item);
    } catch (error) {
      // offline, timed out or the connection dropped: try again later, stop for now
      await outbox.noteAttempt(item.id, "offline");
      result.failed = true;
      break;
    }
    const status = response.status;
    const body = status === 200 || status === 201 ? await readJson(response) : null;
    if (isReceipt(body, item)) {
      await outbox.markSent(item.id, body);
      result.sent++;
    } else if (body || status === 401 || status === 403 || status === 429 || status >= 500 || status === 408) {
      // busy, or an answer that is not the server's (see isReceipt; a 401 or 403 here comes
      // from something in between: nobody signs in to apply): keep it, try again later
      await outbox.markRequeued(item.id, "busy");
      const wait = Number(response.headers.get("Retry-After"));
      result.retryAfter = Number.isFinite(wait) && wait > 0 ? wait : null;
      result.failed = true;
      break;
    } else {
      // 400, 409, 413, 422 and anything unexpected: keep it and ask the person to look
      await outbox.markProblem(item.id, "attention", status, await readJson(response));
      result.attention++;
    }
  }
  return result;
}

export function sendOutbox(outbox) {
  if (self.navigator && navigator.locks) {
    return navigator.locks.request("youthjobs-outbox", () => sendQueued(outbox));
  }
  return sendQueued(outbox);
}

// Applications sent from this browser before it became an event's device (a library's
// or office's tablet where young people applied on their own) and not yet delivered: in
// event mode nothing else sends them, so they go at set-up and with each "Sync now".
export async function sendOwnApplications(db) {
  const outbox = new Outbox(db);
  const waiting = (await outbox.all()).some((item) => item.state === "queued" || item.state === "signin");
  if (waiting) {
    await sendOutbox(outbox);
    announceOutboxChange();
  }
}

// Tell every open page that the outbox changed (e.g. the worker sent something).
export function announceOutboxChange() {
  if (self.BroadcastChannel) {
    const channel = new BroadcastChannel("youthjobs-outbox");
    channel.postMessage("changed");
    channel.close();
  }
}
