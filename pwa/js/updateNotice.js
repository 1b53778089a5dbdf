// Register the service worker. A new version waits until the person chooses to reload:
// it never takes over a page that may hold unsaved input.
export function registerServiceWorker(notice, beforeReload) {
  if (!("serviceWorker" in navigator)) return;
  let reloading = false;

  function offer(worker) {
    notice.hidden = false;
    notice.querySelector("button").onclick = async () => {
      await beforeReload();
      reloading = true;
      worker.postMessage({ type: "SKIP_WAITING" });
    };
  }

  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) window.location.reload();
  });

  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((registration) => {
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        worker.addEventListener("statechange", () => {
          // "installed" with a controller present means an update, not the first install
          if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
        });
      });
    })
    .catch(() => {
      // no offline support on this browser or in this mode; the page still works online
    });
}
