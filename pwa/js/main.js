import { openDatabase, transaction } from "./idb.js";
import { nowIso } from "./ids.js";
import { Outbox } from "./outbox.js";
import { sendOutbox } from "./sendOutbox.js";
import { Drafts } from "./drafts.js";
import { SyncScheduler } from "./syncScheduler.js";
import { validateAnswers } from "./validateAnswers.js";
import { readAnswers, fillForm } from "./formAnswers.js";
import { errorMessage, fillMessage } from "./errorMessages.js";
import { showErrors, clearErrors } from "./errorSummary.js";
import { renderStatus } from "./statusPanel.js";
import { registerServiceWorker } from "./updateNotice.js";
import { relevantFields, relevantAnswers } from "./conditions.js";
import { Stepper } from "./stepper.js";
import { renderReview } from "./review.js";
import { startOutreachMode, isEnrolledDevice } from "./outreachMode.js";
import { startQueuePage } from "./queuePage.js";
import { keepEnrollment, offerRenewal } from "./enrollPage.js";

// The application page: one step at a time, the draft autosaved on the device (only once
// the person is known to be eligible), queued on submit and sent when possible.
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

// Remember the language offline, and ask the worker to keep this language's page.
function rememberLanguage(db, lang) {
  transaction(db, ["meta"], "readwrite", (tx) => tx.objectStore("meta").put(lang, "lang")).catch(() => {});
  if (navigator.serviceWorker) {
    navigator.serviceWorker.ready.then((registration) => {
      const page = window.location.pathname.startsWith("/outreach/") ? "/outreach/apply" : "/apply";
      if (registration.active) registration.active.postMessage({ type: "CACHE_PAGE", url: `${page}?lang=${lang}` });
    });
  }
}

async function startApplicationPage(form) {
  const definition = readJsonBlock("form-definition");
  const messages = readJsonBlock("ui-messages");
  const lang = document.documentElement.lang;
  const $ = (id) => document.getElementById(id);
  const summary = $("error-summary");
  const formArea = $("form-area");
  const outboxSection = $("outbox");
  const saveState = $("save-state");
  const resumeNotice = $("resume-notice");
  const ineligible = $("ineligible");
  const otherTab = $("other-tab");
  form.noValidate = true;

  let db;
  try {
    db = await openDatabase();
  } catch (error) {
    // storage is switched off (some private modes): the whole form still posts to the server
    form.noValidate = false;
    saveState.textContent = messages.storageFailed;
    registerServiceWorker($("update-notice"), async () => {});
    return;
  }
  // A device set up for an outreach event takes applications only sealed. Its start page
  // ("/", "/apply") must neither queue one readable nor show the last person's: go to event
  // mode before any answer is shown or kept.
  if (form.dataset.mode !== "outreach" && await isEnrolledDevice(db)) {
    window.location.replace(`/outreach/apply${window.location.search}`);
    return;
  }
  rememberLanguage(db, lang);
  const drafts = new Drafts(db);
  // on a shared outreach device: seal on submit, start clean for the next person
  const outreach = form.dataset.mode === "outreach"
    ? await startOutreachMode(db, form, messages, async () => {
      const current = await drafts.current();
      if (current) await drafts.discard(current.id);
      window.location.assign(window.location.pathname + window.location.search);
    })
    : null;
  if (form.dataset.mode === "outreach" && !outreach) return;
  const outbox = new Outbox(db);
  const stepper = new Stepper(form, definition, messages);
  let draft = await drafts.current();
  let sending = false;
  let saveTimer = null;
  let serverErrors = [];

  const answersNow = () => {
    const answers = readAnswers(form, definition);
    const relevant = relevantFields(definition, answers);
    stepper.setRelevant(relevant);
    return relevantAnswers(answers, relevant);
  };

  const refresh = async () => {
    const items = await outbox.all();
    renderStatus(outboxSection, items, messages, lang, sending);
    return items;
  };

  const showForm = (visible) => {
    formArea.hidden = !visible;
  };

  // Another tab or window has changed, sent or discarded this application since this page
  // last saved it: stop saving here (the last save must not silently undo the other's), and
  // offer to show what the device holds now.
  let stale = null;
  const showStale = (state, { focus = false } = {}) => {
    stale = state;
    clearTimeout(saveTimer);
    saveState.textContent = "";
    otherTab.hidden = false;
    if (focus) otherTab.focus();
  };
  $("other-tab-reload").addEventListener("click", () => window.location.reload());

  // Nothing is kept on the device until the eligibility step has been passed. Leaving the
  // page (closed, hidden, the app switched away from) keeps only what was typed since the
  // last save, and writes it at once, unchecked: a check first reads the database, and a
  // closing page may not live to write after it. The last typing is then what is kept.
  let dirty = false;
  const saveNow = async ({ leaving = false } = {}) => {
    clearTimeout(saveTimer);
    if (!draft || stale || (leaving && !dirty)) return;
    dirty = false;
    draft.answers = answersNow();
    draft.form_version = definition.version;
    draft.step = stepper.current;
    try {
      const state = await drafts.save(draft, { unchecked: leaving });
      if (state === "saved") saveState.textContent = messages.saved;
      else showStale(state);
    } catch (error) {
      // the database went away (a newer version opened it in another tab; storage full):
      // never claim "saved" when it is not
      saveState.textContent = messages.storageFailed;
    }
  };

  // A new draft, kept on the device if it can be; if not, on this page only, and the person
  // is told (the form still goes on, and is sent straight away on submit: see below)
  // (null, and the notice, if another tab started one since this page opened)
  const startDraft = () => {
    stale = null; // a new application: whatever another tab did to the last one is past
    otherTab.hidden = true;
    return drafts.start(definition.version).then((started) => {
      if (!started) showStale("changed", { focus: true });
      return started;
    }, () => {
      saveState.textContent = messages.storageFailed;
      return drafts.unsaved(definition.version);
    });
  };

  const scheduleSave = () => {
    dirty = true;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, AUTOSAVE_MS);
  };

  const describe = (problems) => problems.map((p) => ({ field: p.field, message: errorMessage(definition, messages, lang, p) }));

  const go = (id, push = true) => {
    clearErrors(form, summary);
    if (id === "review") {
      const answers = answersNow();
      renderReview($("review-answers"), definition, stepper.steps(), stepper.relevant, answers, messages, lang);
    }
    stepper.show(id);
    if (push) history.pushState({ step: id }, "");
    const pending = serverErrors.filter((error) => stepper.fieldsOf(id).includes(error.field));
    if (pending.length) showErrors(form, summary, pending);
    if (draft) saveNow();
  };

  const forget = async () => {
    clearTimeout(saveTimer);
    const forgotten = draft;
    draft = null; // out of the autosave's reach before anything waits
    stale = null;
    otherTab.hidden = true;
    if (forgotten) await drafts.discard(forgotten.id, forgotten);
    saveState.textContent = "";
  };

  const continueFrom = async (id) => {
    const answers = answersNow();
    const fields = stepper.fieldsOf(id);
    const problems = validateAnswers(definition, answers).filter((p) => fields.includes(p.field));
    const step = stepper.step(id);
    if (step.eligibility) {
      const reason = problems.find((p) => (definition.fields[p.field].ineligible || {})[p.code]);
      if (reason) {
        await forget();
        $("ineligible-message").textContent = definition.fields[reason.field].ineligible[reason.code];
        showForm(false);
        ineligible.hidden = false;
        ineligible.focus();
        return;
      }
    }
    if (problems.length) {
      showErrors(form, summary, describe(problems));
      return;
    }
    if (!draft) draft = await startDraft();
    if (!draft) return;
    go(stepper.next(id));
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

  const restore = (saved, { notice }) => {
    form.reset();
    fillForm(form, saved.answers);
    answersNow();
    serverErrors = saved.errors || [];
    const firstError = serverErrors.length ? stepper.stepOf(serverErrors[0].field) : null;
    const step = firstError || saved.step || stepper.steps()[0].id;
    go(step, false);
    history.replaceState({ step }, "");
    if (notice && !serverErrors.length) {
      const title = step === "review" ? $("review-title").textContent : stepper.step(step).title;
      $("resume-step").textContent = fillMessage(messages.resumeAt, { step: title });
      resumeNotice.hidden = false;
    }
  };

  const items = await refresh();
  if (draft) restore(draft, { notice: Object.keys(draft.answers).length > 0 });
  else {
    answersNow();
    stepper.show(stepper.steps()[0].id, { focus: false });
    history.replaceState({ step: stepper.current }, "");
  }
  showForm(Boolean(draft) || items.length === 0);

  form.addEventListener("input", (event) => {
    const field = event.target.name;
    serverErrors = serverErrors.filter((error) => error.field !== field);
    answersNow();
    scheduleSave();
  });
  form.addEventListener("change", scheduleSave);
  document.addEventListener("visibilitychange", async () => {
    if (document.visibilityState === "hidden") saveNow({ leaving: true });
    else if (draft && !stale) {
      // back to this tab after the application was changed or sent in another: with nothing
      // typed here since, open it afresh, as the other tab left it (else say so)
      const state = await drafts.check(draft).catch(() => null);
      if (!state || !draft || stale) return;
      if (dirty) showStale(state);
      else window.location.reload();
    }
  });
  window.addEventListener("pagehide", () => saveNow({ leaving: true }));
  window.addEventListener("popstate", (event) => {
    if (event.state && event.state.step) go(event.state.step, false);
  });

  form.addEventListener("click", (event) => {
    const nav = event.target.closest("[data-nav]");
    if (nav) {
      resumeNotice.hidden = true;
      if (nav.dataset.nav === "next") continueFrom(stepper.current);
      else {
        const previous = stepper.previous();
        if (previous) go(previous);
      }
      return;
    }
    const change = event.target.closest("[data-change]");
    if (change) {
      go(change.dataset.change);
      const input = form.querySelector(`#input-${CSS.escape(change.dataset.changeField)}`);
      if (input) input.focus();
    }
  });
  // Enter in a text box moves on instead of submitting the whole application
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.tagName === "INPUT" && stepper.current !== "review") {
      event.preventDefault();
      continueFrom(stepper.current);
    }
  });

  $("ineligible-back").addEventListener("click", () => {
    ineligible.hidden = true;
    showForm(true);
    go(stepper.steps()[0].id);
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answers = answersNow();
    const problems = validateAnswers(definition, answers);
    if (problems.length) {
      go(stepper.stepOf(problems[0].field) || stepper.steps()[0].id);
      showErrors(form, summary, describe(problems.filter((p) => stepper.fieldsOf(stepper.current).includes(p.field))));
      return;
    }
    clearTimeout(saveTimer);
    // answers changed or already sent in another tab: sending these would undo that there
    const elsewhere = stale || (draft && await drafts.check(draft).catch(() => null));
    if (elsewhere) {
      showStale(elsewhere, { focus: true });
      return;
    }
    // Out of saveNow's reach before anything waits: a pagehide, a hidden tab or a late
    // autosave would otherwise write the answers back in plain text after sealing (or
    // queuing) erased the draft.
    const submitted = draft || await startDraft();
    if (!submitted) return;
    draft = null;
    submitted.answers = answers;
    submitted.form_version = definition.version;
    const client = { started_at: submitted.started_at, filled_at: nowIso(), language: lang };
    if (outreach) {
      if (await outreach.submit(submitted, answers, client)) {
        form.reset();
      } else {
        // not sealed, so not queued: it stays this person's draft, kept on the device
        draft = submitted;
        await saveNow();
      }
      return;
    }
    // set up for an event in another tab since this page opened: never queue it readable
    if (await isEnrolledDevice(db).catch(() => false)) {
      await drafts.save(submitted);
      window.location.replace(`/outreach/apply${window.location.search}`);
      return;
    }
    try {
      const { behind } = await outbox.submitDraft(submitted, client);
      if (behind) {
        draft = submitted;
        showStale(behind, { focus: true });
        return;
      }
    } catch (error) {
      // it could not be kept on the device: with a connection, send the form itself, as a
      // browser without storage does (the server answers with the receipt or the errors);
      // without one, say so, and keep the answers on the page
      draft = submitted;
      if (navigator.onLine) {
        form.noValidate = false;
        form.submit();
      } else {
        saveState.textContent = messages.storageFailed;
        saveState.focus();
      }
      return;
    }
    serverErrors = [];
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
      stale = null;
      otherTab.hidden = true;
      showForm(true);
      restore(draft, { notice: false });
      await refresh();
    } else if (action === "another") {
      form.reset();
      draft = null;
      stale = null;
      otherTab.hidden = true;
      serverErrors = [];
      showForm(true);
      answersNow();
      go(stepper.steps()[0].id);
    }
  });

  if (self.BroadcastChannel) {
    new BroadcastChannel("youthjobs-outbox").onmessage = () => refresh();
  }
  registerServiceWorker($("update-notice"), saveNow);
  if (!outreach) scheduler.start();
  form.dataset.ready = "true"; // every handler is in place (tests wait for this)
}

const applicationForm = document.getElementById("application");
if (applicationForm) startApplicationPage(applicationForm);
// the outreach worker's pages
const queuePage = document.getElementById("outreach-queue");
if (queuePage) startQueuePage(queuePage);
const enrollment = document.getElementById("device-enrollment");
if (enrollment) keepEnrollment(enrollment);
const renewal = document.getElementById("renew-form");
if (renewal) offerRenewal(renewal);
