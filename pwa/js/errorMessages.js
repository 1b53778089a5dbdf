// The words for an error: the program file's own message for that question first, then a
// generic translated one naming the question — the same choice as server/validation.py.
const MESSAGE_KEYS = {
  required: ["required"],
  minLength: ["minLength", "required"],
  maxLength: ["maxLength"],
  minItems: ["minItems", "required"],
  maxItems: ["maxItems"],
};

export function localize(text, lang, fallback) {
  if (text === undefined || text === null) return "";
  if (typeof text === "string") return text;
  return text[lang] || text[fallback] || Object.values(text)[0] || "";
}

export function fillMessage(template, values) {
  return template.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

export function errorMessage(definition, messages, lang, error) {
  const fallbackLang = definition.default_language || "en";
  const spec = definition.fields[error.field];
  if (!spec) return messages.unknown;
  const custom = spec.errors || {};
  for (const key of MESSAGE_KEYS[error.code] || [error.code, "invalid"]) {
    if (custom[key]) return localize(custom[key], lang, fallbackLang);
  }
  const label = localize(spec.label, lang, fallbackLang);
  return fillMessage(messages[error.code] || messages.invalid, { label, limit: error.limit });
}
