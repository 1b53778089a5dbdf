"""Outreach event mode: sealing in the browser, and syncing 500 sealed applications from one
device over a slow connection, with the batch endpoint vs one request per application.

Starts ``youthjobs serve`` on a fresh SQLite database with a server key pair and an
outreach worker, and enrolls a device in Debian's Chromium exactly as a worker does
(e2e/helpers.py ``enroll``). Then, in that device's page:

1. Sealing: seals a complete application (the program's first example answers, as the
   application page would send them) with pwa/js/seal.js (WebCrypto: AES-256-GCM, the key
   wrapped with RSA-OAEP-SHA-256) ``--count`` times, at full CPU speed and with the CPU
   slowed 4x (DevTools' "low-end mobile"), and prints the time per application.
2. Sync: Chromium emulates a slow connection (400 ms round trip, 400 kbit/s up and down,
   DevTools network conditions). ``--count`` sealed applications are queued on the device
   and the worker presses "Sync now" on the queue screen (the app's own batches of
   pwa/js/syncSealed.js's SYNC_BATCH), until the reconciliation reads "500 taken at this
   event, 500 received by the server". Then the same number again, sent from the page one
   request per application, and in batches of 100 (the endpoint's limit).

Prints requests, bytes sent, total seconds and applications per second for each way, and
the ratio of one-per-request to the app's batches. Checks that the server holds each
application exactly once. Takes about five minutes, most of it the one-per-request run.

    .venv/bin/python bench/outreach_sync.py [--count 500] [--latency-ms 400] [--kbit 400]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from e2e.helpers import ADULT, PROGRAM, SEAL, WORKER_PASSWORD, as_script, enroll  # noqa: E402
from e2e.helpers import SYNC_BATCH as APP_BATCH  # noqa: E402
from server.auth import create_user  # noqa: E402
from server.db import session, upgrade  # noqa: E402
from server.keys import KeyRing  # noqa: E402
from server.models import Application  # noqa: E402
from tests.live import LiveServer  # noqa: E402

MAX_BATCH = 100  # server/outreach.py


# Send window.benchItems `size` at a time to the batch endpoint, as syncSealed.js does.
SEND = """async (size) => {
    const db = await new Promise((resolve) => { indexedDB.open("youthjobs").onsuccess = (e) => resolve(e.target.result); });
    const device = await new Promise((resolve) => {
        db.transaction("meta").objectStore("meta").get("device").onsuccess = (e) => resolve(e.target.result);
    });
    db.close();
    const items = window.benchItems;
    let requests = 0, bytes = 0, received = 0;
    const start = performance.now();
    for (let at = 0; at < items.length; at += size) {
        const body = JSON.stringify({ items: items.slice(at, at + size).map((item) =>
            ({ id: item.id, form_version: item.form_version, sealed: item.sealed })) });
        const response = await fetch("/api/outreach/sync", { method: "POST", body, cache: "no-store",
            headers: { "Content-Type": "application/json", Accept: "application/json",
                       Authorization: `Bearer ${device.credential}` } });
        if (!response.ok) throw new Error(`sync answered ${response.status}`);
        requests += 1;
        bytes += body.length;
        received += (await response.json()).results.filter((r) => r.status === 200 || r.status === 201).length;
    }
    return { seconds: (performance.now() - start) / 1000, requests, bytes, received };
}"""


def stored(server) -> tuple[int, int]:
    """(rows, distinct ids) of outreach applications on the server."""
    with session(server.engine) as db:
        return db.exec(select(func.count(Application.id), func.count(Application.id.distinct()))).one()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=400)
    parser.add_argument("--kbit", type=int, default=400)
    args = parser.parse_args()
    version = PROGRAM.form.version
    throttle = {"offline": False, "latency": args.latency_ms,
                "downloadThroughput": args.kbit * 1000 / 8, "uploadThroughput": args.kbit * 1000 / 8}

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        tmp_path = Path(tmp)
        KeyRing(tmp_path / "keys").rotate()
        server = LiveServer(tmp_path, f"sqlite:///{tmp_path}/bench.db", YOUTHJOBS_KEY_DIR=str(tmp_path / "keys"))
        upgrade(server.engine)
        server.start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            create_user(server.engine, "worker@city.example", "Wes Worker", "outreach", WORKER_PASSWORD)
            context = browser.new_context(bypass_csp=True)  # to add seal.js to the page as a script
            page = context.new_page()
            enroll(page, server)  # ends on the queue screen
            for name in ("seal.js", "receiptCode.js"):
                page.add_script_tag(content=as_script(name))
            cdp = context.new_cdp_session(page)

            print(f"sealing one application in Chromium ({args.count} times, a complete application):")
            for rate in (1, 4):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                sealed = page.evaluate(SEAL, [args.count, version, ADULT, False])
                print(f"  CPU {'full speed' if rate == 1 else f'slowed {rate}x'}: {sealed['ms']:.2f} ms per application,"
                      f" {sealed['bytes']} bytes sealed")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})

            print(f"\nsyncing {args.count} sealed applications over {args.latency_ms} ms round trip, {args.kbit} kbit/s:")
            print(f"  {'how':34} {'requests':>8} {'KiB sent':>9} {'seconds':>8} {'apps/s':>7}")
            results = {}
            # the app itself: the worker presses "Sync now" on the queue screen
            bytes_sent = page.evaluate(SEAL, [args.count, version, ADULT, True])["total"]
            page.reload()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", throttle)
            start = time.perf_counter()
            page.get_by_role("button", name="Sync now").click()
            expect(page.locator("#reconciliation")).to_have_text(
                f"{args.count} taken at this event, {args.count} received by the server", timeout=3_600_000)
            seconds = time.perf_counter() - start
            requests = -(-args.count // APP_BATCH)
            results["app"] = seconds
            print(f"  {f'the app, batches of {APP_BATCH} (Sync now)':34} {requests:8d} {bytes_sent / 1024:9.0f} "
                  f"{seconds:8.1f} {args.count / seconds:7.1f}")
            unthrottled = {**throttle, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
            for name in ("seal.js", "receiptCode.js"):
                page.add_script_tag(content=as_script(name))
            for size, label, conditions in ((1, "one request per application", throttle),
                                            (MAX_BATCH, f"batches of {MAX_BATCH}", throttle),
                                            (APP_BATCH, f"batches of {APP_BATCH}, no throttling", unthrottled)):
                cdp.send("Network.emulateNetworkConditions", unthrottled)
                page.evaluate(SEAL, [args.count, version, ADULT, False])
                cdp.send("Network.emulateNetworkConditions", conditions)
                sent = page.evaluate(SEND, size)
                assert sent["received"] == args.count, sent
                results[size] = sent["seconds"]
                print(f"  {label:34} {sent['requests']:8d} {sent['bytes'] / 1024:9.0f} {sent['seconds']:8.1f} "
                      f"{args.count / sent['seconds']:7.1f}")
            rows, distinct = stored(server)
            print(f"\none request per application takes {results[1] / results['app']:.1f}x as long as the app's batches;"
                  f" batches of {MAX_BATCH} take {results[MAX_BATCH] / results['app']:.2f}x")
            expected = 4 * args.count
            print(f"server holds {rows} applications, {distinct} distinct ids: expected {expected}")
            return 0 if rows == distinct == expected else 1
        finally:
            browser.close()
            server.close()


if __name__ == "__main__":
    sys.exit(main())
