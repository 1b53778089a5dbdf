import { fillMessage } from "./errorMessages.js";

// What the outbox holds, in words a person can act on: how many applications wait to be
// sent, which need attention and why, and the receipt code of each one received.
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, action, id, secondary) {
  const node = element("button", secondary ? "button button--secondary" : "button", text);
  node.type = "button";
  node.dataset.action = action;
  if (id) node.dataset.id = id;
  return node;
}

function formatTime(iso, lang) {
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  } catch (error) {
    return iso;
  }
}

function attentionBody(item, messages) {
  const status = item.problem ? item.problem.status : 0;
  if (item.state === "signin") return messages.signInBody;
  if (status === 409) return messages.withdrawnBody;
  if (status === 422) return messages.conflictBody;
  return messages.attentionBody;
}

export function renderStatus(section, items, messages, lang, sending) {
  const waiting = items.filter((item) => item.state === "queued");
  const attention = items.filter((item) => item.state === "attention" || item.state === "signin");
  const sent = items.filter((item) => item.state === "sent").reverse();
  const parts = [];

  if (waiting.length) {
    const panel = element("div", "panel panel--waiting");
    panel.append(element("h2", "panel__title", messages.savedTitle), element("p", "", messages.savedBody));
    panel.append(element("p", "outbox__count", fillMessage(messages.waiting, { count: waiting.length })));
    const last = waiting.filter((item) => item.last_attempt_at).pop();
    if (last) {
      const reason = last.last_error === "busy" ? messages.serverBusy : messages.offline;
      panel.append(element("p", "outbox__last", fillMessage(messages.lastTry, { time: formatTime(last.last_attempt_at, lang), reason })));
    }
    const send = button(sending ? messages.sending : messages.sendNow, "send");
    send.disabled = sending;
    panel.append(send);
    parts.push(panel);
  }

  for (const item of attention) {
    const panel = element("div", "panel panel--attention");
    panel.dataset.id = item.id;
    panel.append(element("h2", "panel__title", messages.attentionTitle), element("p", "", attentionBody(item, messages)));
    const errors = (item.problem && item.problem.errors) || [];
    if (errors.length) {
      const list = element("ul", "outbox__errors");
      for (const error of errors) list.append(element("li", "", error.message));
      panel.append(list);
    }
    if (item.state === "attention" && ![409, 422].includes(item.problem && item.problem.status)) {
      panel.append(button(messages.fix, "fix", item.id));
    }
    parts.push(panel);
  }

  for (const item of sent) {
    const panel = element("div", "panel panel--success");
    panel.append(element("h2", "panel__title", messages.receivedTitle), element("p", "", messages.receiptIntro));
    panel.append(element("p", "receipt-code", item.receipt_code));
    panel.append(element("p", "", messages.receiptHelp));
    panel.append(element("p", "hint", fillMessage(messages.receivedAt, { time: formatTime(item.received_at, lang) })));
    const check = element("a", "", messages.checkStatus);
    check.href = "/status";
    panel.append(check);
    parts.push(panel);
  }

  if (parts.length) parts.push(button(messages.startAnother, "another", null, true));
  section.replaceChildren(...parts);
  section.hidden = parts.length === 0;
}
