// Read the form into an answers object and back, by the schema's types — the same rules
// the server uses for a plain form post (server/pages.py: answers_from_form).
function propertyType(definition, name) {
  const property = (definition.schema.properties || {})[name] || {};
  return property.type || "string";
}

function coerce(text, type) {
  if (type === "integer" && /^-?\d+$/.test(text)) return parseInt(text, 10);
  if (type === "number" && text !== "" && Number.isFinite(Number(text))) return Number(text);
  if (type === "boolean") return ["true", "on", "yes"].includes(text);
  return text;
}

export function readAnswers(form, definition) {
  const data = new FormData(form);
  const answers = {};
  for (const name of new Set(data.keys())) {
    if (name.startsWith("_")) continue;
    const type = propertyType(definition, name);
    const values = data.getAll(name).filter((v) => typeof v === "string").map((v) => v.trim()).filter(Boolean);
    if (!values.length) continue;
    answers[name] = type === "array" ? values : coerce(values[values.length - 1], type);
  }
  return answers;
}

export function fillForm(form, answers) {
  const position = new Map(); // several boxes for one list answer (ranked choices): one item each
  for (const element of form.elements) {
    if (!element.name || element.name.startsWith("_") || element.type === "button" || element.type === "submit") continue;
    const value = answers[element.name];
    if (element.type === "checkbox" || element.type === "radio") {
      const chosen = Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
      element.checked = chosen.includes(element.value);
    } else if (Array.isArray(value)) {
      const index = position.get(element.name) || 0;
      position.set(element.name, index + 1);
      element.value = index < value.length ? String(value[index]) : "";
    } else {
      element.value = value === undefined ? "" : String(value);
    }
  }
}
