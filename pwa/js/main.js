import { openDatabase } from "./idb.js";
import { nowIso } from "./ids.js";
import { Outbox } from "./outbox.js";
import { sendOutbox } from "./sendOutbox.js";
import { Drafts } from "./drafts.js";
import { SyncScheduler } from "./syncScheduler.js";
import { validateAnswers } from "./validateAnswers.js";
import { readAnswers, fillForm } from "./formAnswers.js";
import { errorMessage } from "./errorMessages.js";
import { showErrors, clearErrors } from "./errorSummary.js";
import { renderStatus } from "./statusPanel.js";
import { registerServiceWorker } from "./updateNotice.js";

// The application page: autosave the draft, queue it on submit, send when possible.
const AUTOSAVE_MS = 400;

function readJsonBlock(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

function requestBackgroundSync() {
  // an extra where the browser has it (Chromium); the page's own triggers never depend on it
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.getRegistration().then((registration) => {
    if (registration && registration.sync) registration.sync.register("outbox").catch(() => {});
  });
}

async function startApplicationPage(form) {
  const definition = readJsonBlock("form-definition");
  const messages = readJsonBlock("ui-messages");
  const lang = document.documentElement.lang;
  const summary = document.getElementById("error-summary");
  const formArea = document.getElementById("form-area");
  const outboxSection = document.getElementById("outbox");
  const saveState = document.getElementById("save-state");
  const resumeNotice = document.getElementById("resume-notice");
  const updateNotice = document.getElementById("update-notice");
  form.noValidate = true;

  let db;
  try {
    db = await openDatabase();
  } catch (error) {
    // storage is switched off (some private modes): the form still posts to the server
    form.noValidate = false;
    saveState.textContent = messages.storageFailed;
    registerServiceWorker(updateNotice, async () => {});
    return;
  }
  const drafts = new Drafts(db);
  const outbox = new Outbox(db);
  let draft = await drafts.current();
  let sending = false;
  let saveTimer = null;

  const refresh = async () => {
    const items = await outbox.all();
    renderStatus(outboxSection, items, messages, lang, sending);
    return items;
  };

  const showForm = (visible) => {
    formArea.hidden = !visible;
  };

  const saveNow = async () => {
    clearTimeout(saveTimer);
    const answers = readAnswers(form, definition);
    if (!draft) {
      if (!Object.keys(answers).length) return;
      draft = await drafts.start(definition.version);
    }
    draft.answers = answers;
    draft.form_version = definition.version;
    await drafts.save(draft);
    saveState.textContent = messages.saved;
  };

  const scheduleSave = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, AUTOSAVE_MS);
  };

  const showServerErrors = (errors) => {
    showErrors(form, summary, errors.map((error) => ({ field: error.field, message: error.message })));
  };

  const scheduler = new SyncScheduler(
    async () => {
      sending = true;
      await refresh();
      try {
        const result = await sendOutbox(outbox);
        const items = await outbox.all();
        result.waiting = items.filter((item) => item.state === "queued").length;
        return result;
      } finally {
        sending = false;
      }
    },
    () => refresh(),
  );

  if (draft) {
    fillForm(form, draft.answers);
    if (draft.errors && draft.errors.length) showServerErrors(draft.errors);
    else if (Object.keys(draft.answers).length) resumeNotice.hidden = false;
  }
  const items = await refresh();
  showForm(Boolean(draft) || items.length === 0);

  form.addEventListener("input", scheduleSave);
  form.addEventListener("change", scheduleSave);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveNow();
  });
  window.addEventListener("pagehide", () => saveNow());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = readAnswers(form, definition);
    const problems = validateAnswers(definition, answers);
    if (problems.length) {
      showErrors(form, summary, problems.map((p) => ({ field: p.field, message: errorMessage(definition, messages, lang, p) })));
      await saveNow();
      return;
    }
    clearErrors(form, summary);
    clearTimeout(saveTimer);
    if (!draft) draft = await drafts.start(definition.version);
    draft.answers = answers;
    draft.form_version = definition.version;
    await outbox.submitDraft(draft, { started_at: draft.started_at, filled_at: nowIso(), language: lang });
    draft = null;
    form.reset();
    resumeNotice.hidden = true;
    saveState.textContent = "";
    showForm(false);
    await refresh();
    outboxSection.focus();
    requestBackgroundSync();
    scheduler.now();
  });

  outboxSection.addEventListener("click", async (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    if (action === "send") {
      scheduler.now();
    } else if (action === "fix") {
      await outbox.reopen(target.dataset.id);
      draft = await drafts.current();
      form.reset();
      fillForm(form, draft.answers);
      showForm(true);
      await refresh();
      showServerErrors(draft.errors || []);
    } else if (action === "another") {
      form.reset();
      clearErrors(form, summary);
      showForm(true);
      form.querySelector("input:not([type=hidden]), select, textarea").focus();
    }
  });

  if (self.BroadcastChannel) {
    new BroadcastChannel("youthjobs-outbox").onmessage = () => refresh();
  }
  registerServiceWorker(updateNotice, saveNow);
  scheduler.start();
}

const applicationForm = document.getElementById("application");
if (applicationForm) startApplicationPage(applicationForm);
