// When to try sending: on page load, when the browser comes online, when the page becomes
// visible, when the person presses "Send now", and on a backoff timer while anything waits.
const BASE_DELAY_S = 5;
const MAX_DELAY_S = 300;

export class SyncScheduler {
  constructor(sync, onResult) {
    this.sync = sync;
    this.onResult = onResult;
    this.failures = 0;
    this.timer = null;
    this.running = null;
    this.again = false;
  }

  start() {
    window.addEventListener("online", () => this.now());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.now();
    });
    return this.now();
  }

  // Try now; if a try is already running, run once more right after it.
  now() {
    clearTimeout(this.timer);
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.now();
      }
    });
    return this.running;
  }

  async run() {
    let result;
    try {
      result = await this.sync();
    } catch (error) {
      result = { sent: 0, attention: 0, failed: true, retryAfter: null, waiting: 1 };
    }
    this.failures = result.failed ? this.failures + 1 : 0;
    if (result.waiting > 0) this.schedule(result.retryAfter);
    this.onResult(result);
    return result;
  }

  schedule(retryAfter) {
    const backoff = Math.min(MAX_DELAY_S, BASE_DELAY_S * 2 ** Math.max(0, this.failures - 1));
    // jitter, so a room full of phones coming back online does not retry in lockstep
    const delay = Math.max(retryAfter || 0, backoff * (0.5 + Math.random() / 2));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.now(), delay * 1000);
  }
}
