import { fillMessage } from "./errorMessages.js";

// "Check your answers": every answer that applies, by step, with a "Change" link each.
function displayDate(text, lang) {
  const [year, month, day] = text.split("-").map(Number);
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(Date.UTC(year, month - 1, day));
  } catch (error) {
    return text;
  }
}

function displayValue(field, value, messages, lang) {
  const options = field.options || {};
  if (value === undefined || value === "" || (Array.isArray(value) && !value.length)) return [messages.notAnswered];
  if (typeof value === "boolean") return [value ? messages.yes : messages.no];
  if (Array.isArray(value)) {
    const labels = value.map((item) => options[item] || String(item));
    return field.widget === "ranked" ? labels.map((label, index) => `${index + 1}. ${label}`) : labels;
  }
  if (field.widget === "date") return [displayDate(String(value), lang)];
  return [options[value] || String(value)];
}

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export function renderReview(container, definition, steps, relevant, answers, messages, lang) {
  const parts = [];
  for (const step of steps) {
    parts.push(node("h3", "review__step", step.title));
    const list = node("dl", "summary");
    for (const name of step.fields.filter((field) => relevant.has(field))) {
      const field = definition.fields[name];
      const row = node("div", "summary__row");
      const value = node("dd", "summary__value");
      for (const line of displayValue(field, answers[name], messages, lang)) value.append(node("span", "summary__line", line));
      const action = node("dd", "summary__action");
      const change = node("button", "link-button");
      change.type = "button";
      change.dataset.change = step.id;
      change.dataset.changeField = name;
      change.append(messages.change, node("span", "visually-hidden", ` ${fillMessage(messages.changeWhat, { label: field.label })}`));
      action.append(change);
      row.append(node("dt", "summary__key", field.label), value, action);
      list.append(row);
    }
    parts.push(list);
  }
  container.replaceChildren(...parts);
}
