// The program's JSON Schema, checked in the browser so a person sees the same errors
// offline that the server would give. Supports the keywords listed in
// server/program.py (BROWSER_KEYWORDS); the server refuses program files that use others.
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function hasType(value, type) {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function validDate(text) {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  return date.getUTCFullYear() === +match[1] && date.getUTCMonth() === +match[2] - 1 && date.getUTCDate() === +match[3];
}

const FORMATS = {
  date: validDate,
  email: (text) => text.includes("@"),
};

// Whole years from a YYYY-MM-DD birth date to the form's "age_on" date (as the server counts).
function ageOn(born, on) {
  if (!validDate(born)) return null;
  const [by, bm, bd] = born.split("-").map(Number);
  const [oy, om, od] = on.split("-").map(Number);
  return oy - by - (om < bm || (om === bm && od < bd) ? 1 : 0);
}

// Errors as {path, keyword, limit, context}, in the order the server's validator finds them.
function check(schema, value, path, errors, context) {
  if (schema === true) return;
  if (schema === false) {
    errors.push({ path, keyword: "false" });
    return;
  }
  for (const [keyword, rule] of Object.entries(schema)) {
    const fail = (limit) => errors.push({ path, keyword, limit });
    switch (keyword) {
      case "type": {
        const types = Array.isArray(rule) ? rule : [rule];
        if (!types.some((t) => hasType(value, t))) fail(rule);
        break;
      }
      case "enum":
        if (!rule.some((option) => same(option, value))) fail(rule);
        break;
      case "const":
        if (!same(rule, value)) fail(rule);
        break;
      case "minLength":
      case "maxLength":
        if (typeof value === "string") {
          const length = [...value].length;
          if (keyword === "minLength" ? length < rule : length > rule) fail(rule);
        }
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(rule, "u").test(value)) fail(rule);
        break;
      case "format":
        if (typeof value === "string" && FORMATS[rule] && !FORMATS[rule](value)) fail(rule);
        break;
      case "minAge":
      case "maxAge": {
        const age = typeof value === "string" ? ageOn(value, context.ageOn) : null;
        if (age !== null && (keyword === "minAge" ? age < rule : age > rule)) fail(rule);
        break;
      }
      case "minimum":
        if (typeof value === "number" && value < rule) fail(rule);
        break;
      case "maximum":
        if (typeof value === "number" && value > rule) fail(rule);
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < rule) fail(rule);
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > rule) fail(rule);
        break;
      case "uniqueItems":
        if (rule && Array.isArray(value) && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail(rule);
        break;
      case "items":
        if (Array.isArray(value)) value.forEach((item, index) => check(rule, item, path.concat(index), errors, context));
        break;
      case "required":
        if (typeOf(value) === "object" && rule.some((name) => !(name in value))) fail(rule);
        break;
      case "properties":
        if (typeOf(value) === "object") {
          for (const [name, sub] of Object.entries(rule)) {
            if (name in value) check(sub, value[name], path.concat(name), errors, context);
          }
        }
        break;
      case "additionalProperties":
        if (rule === false && typeOf(value) === "object") {
          const known = schema.properties || {};
          if (Object.keys(value).some((name) => !(name in known))) fail(rule);
        }
        break;
      case "allOf":
        rule.forEach((sub) => check(sub, value, path, errors, context));
        break;
      case "anyOf":
      case "oneOf": {
        const branches = rule.map((sub) => {
          const found = [];
          check(sub, value, path, found, context);
          return found;
        });
        const passing = branches.filter((found) => found.length === 0).length;
        if (keyword === "anyOf" ? passing === 0 : passing !== 1) {
          errors.push({ path, keyword, limit: rule, context: branches.flat() });
        }
        break;
      }
      case "not": {
        const found = [];
        check(rule, value, path, found, context);
        if (found.length === 0) fail(rule);
        break;
      }
      case "if": {
        const found = [];
        check(rule, value, path, found, context);
        const next = found.length === 0 ? schema.then : schema.else;
        if (next !== undefined) check(next, value, path, errors, context);
        break;
      }
      default:
        break; // annotations: title, description, examples, $schema, then/else (handled by "if")
    }
  }
}

// Whether `value` satisfies `schema` (used for the program's if/then conditions).
export function satisfies(definition, schema, value) {
  const errors = [];
  check(schema, value, [], errors, { ageOn: definition.age_on });
  return errors.length === 0;
}

// Which field an error belongs to: the same rules as server/validation.py (_locate).
function locate(error, answers, schema) {
  if (error.path.length) return [[String(error.path[0]), error.keyword, error.limit]];
  if (error.keyword === "required") {
    return error.limit.filter((name) => !(name in answers)).map((name) => [name, "required", null]);
  }
  if (error.keyword === "additionalProperties") {
    const known = schema.properties || {};
    return Object.keys(answers).filter((name) => !(name in known)).map((name) => [name, "unknown", null]);
  }
  if ((error.keyword === "anyOf" || error.keyword === "oneOf") && error.context.length) {
    for (const sub of error.context) {
      if (sub.keyword === "required" && !sub.path.length) {
        const missing = sub.limit.filter((name) => !(name in answers));
        if (missing.length) return [[missing[0], error.keyword, null]];
      }
    }
    return locate(error.context[0], answers, schema);
  }
  return [["_form", error.keyword, null]];
}

// [{field, code, limit}] — at most one per field, in the order the form shows them.
export function validateAnswers(definition, answers) {
  const schema = definition.schema;
  const errors = [];
  check(schema, answers, [], errors, { ageOn: definition.age_on });
  errors.sort((a, b) => b.path.length - a.path.length);
  const found = new Map();
  for (const error of errors) {
    for (const [field, code, limit] of locate(error, answers, schema)) {
      if (!found.has(field)) found.set(field, { field, code, limit });
    }
  }
  const order = definition.steps.flatMap((step) => step.fields);
  const rank = (field) => (order.includes(field) ? order.indexOf(field) : order.length);
  return [...found.values()].sort((a, b) => rank(a.field) - rank(b.field));
}
