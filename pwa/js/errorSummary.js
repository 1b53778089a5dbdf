// GOV.UK-style errors: a summary at the top linking to each question, and a message
// beside each question. The server renders the same markup for a form posted without JS.
function describedBy(input, id, add) {
  const ids = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  if (add) ids.add(id);
  else ids.delete(id);
  if (ids.size) input.setAttribute("aria-describedby", [...ids].join(" "));
  else input.removeAttribute("aria-describedby");
}

function fieldTarget(form, field) {
  const group = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
  if (!group) return null;
  return { group, input: group.querySelector("fieldset") || group.querySelector("input, select, textarea") };
}

export function clearErrors(form, summary) {
  summary.hidden = true;
  summary.querySelector("ul").replaceChildren();
  for (const group of form.querySelectorAll(".field--error")) {
    group.classList.remove("field--error");
    const field = group.dataset.field;
    const message = group.querySelector(".field-error");
    message.hidden = true;
    const target = fieldTarget(form, field);
    describedBy(target.input, `${field}-error`, false);
    for (const input of group.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }
}

// errors: [{field, message}]; moves focus to the summary so screen readers announce it.
export function showErrors(form, summary, errors) {
  clearErrors(form, summary);
  if (!errors.length) return;
  const list = summary.querySelector("ul");
  for (const error of errors) {
    const target = fieldTarget(form, error.field);
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.textContent = error.message;
    if (target) {
      link.href = `#input-${error.field}`;
      target.group.classList.add("field--error");
      const message = target.group.querySelector(".field-error");
      message.querySelector(".field-error__text").textContent = error.message;
      message.hidden = false;
      describedBy(target.input, `${error.field}-error`, true);
      if (target.input.tagName !== "FIELDSET") target.input.setAttribute("aria-invalid", "true");
    } else {
      link.href = "#application";
    }
    item.append(link);
    list.append(item);
  }
  summary.hidden = false;
  summary.focus();
}
