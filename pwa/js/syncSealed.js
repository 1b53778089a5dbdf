// Sending a device's sealed applications in batches, with progress, stopping cleanly on
// a lost connection or an expired sign-in (the rest stay queued: press sync to resume).
// 25 a request: over a 400 kbit/s, 400 ms link (bench/outreach_sync.py) 500 applications take about
// half as long as in tens, and progress still moves every second or so.
const SYNC_BATCH = 25;

function authorized(device) {
  return { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${device.credential}` };
}

export async function syncSealed(queue, device, onProgress) {
  // "attention": refused before. The device cannot change a sealed application, so sending
  // it again is the only way on once the cause is fixed on the server (a key file put back,
  // say); one the server still refuses is simply refused again, and kept.
  const waiting = (await queue.all()).filter((item) => item.state === "queued" || item.state === "attention");
  const outcome = { total: waiting.length, done: 0, sent: 0, attention: 0, stopped: null };
  onProgress(outcome);
  for (let start = 0; start < waiting.length; start += SYNC_BATCH) {
    const batch = waiting.slice(start, start + SYNC_BATCH);
    let response;
    try {
      response = await fetch("/api/outreach/sync", {
        method: "POST",
        headers: authorized(device),
        body: JSON.stringify({ items: batch.map((item) => ({ id: item.id, form_version: item.form_version, sealed: item.sealed })) }),
        cache: "no-store",
        redirect: "error", // a wifi login page is not the server
      });
    } catch (error) {
      outcome.stopped = "offline";
      break;
    }
    if (response.status === 401 || response.status === 403) {
      // revoked (reported lost): only staff can restore it; otherwise a worker signs in again
      const problem = await response.json().catch(() => ({}));
      outcome.stopped = problem && problem.reason === "revoked" ? "revoked" : "signin";
      break;
    }
    if (!response.ok) {
      outcome.stopped = "busy";
      break;
    }
    // only the server's own answer, one line per item sent, is recorded (a page from
    // something in between, or an answer cut off, leaves them all queued)
    const ids = new Set(batch.map((item) => item.id));
    let results;
    try {
      results = (await response.json()).results;
    } catch (error) {
      results = null;
    }
    if (!Array.isArray(results) || results.length !== batch.length || !results.every((r) => r && ids.has(r.id))) {
      outcome.stopped = "busy";
      break;
    }
    await queue.record(results);
    outcome.done += batch.length;
    outcome.sent += results.filter((r) => r.status === 200 || r.status === 201).length;
    outcome.attention += results.filter((r) => r.status >= 400 || r.needs_attention).length;
    onProgress(outcome);
  }
  return outcome;
}

// How many of the applications taken at this event the server confirms it has, by id
// (asked CONFIRM_BATCH ids at a time: the most the server takes in one request).
const CONFIRM_BATCH = 1000;

export async function reconcile(queue, device) {
  const taken = (await queue.all()).filter((item) => item.event_id === device.event.id);
  const received = new Set();
  for (let start = 0; start < taken.length; start += CONFIRM_BATCH) {
    let answer;
    try {
      const response = await fetch("/api/outreach/confirm", {
        method: "POST",
        headers: authorized(device),
        body: JSON.stringify({ ids: taken.slice(start, start + CONFIRM_BATCH).map((item) => item.id) }),
        cache: "no-store",
        redirect: "error",
      });
      answer = response.ok ? await response.json() : null;
    } catch (error) {
      answer = null;
    }
    if (!answer || !Array.isArray(answer.received)) return null;
    for (const id of answer.received) received.add(id);
  }
  return { taken: taken.length, received: received.size, missing: taken.filter((item) => !received.has(item.id)) };
}
