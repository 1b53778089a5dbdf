import { satisfies } from "./validateAnswers.js";

// Which questions apply to this person, from the program's if/then rules: a question named
// in a rule's "then" is asked only while that rule's "if" holds (e.g. a guardian for
// anyone under 18). The server enforces the same rules through the same schema.
function rules(schema) {
  return [schema, ...(schema.allOf || [])].filter((rule) => rule.if && rule.then);
}

export function relevantFields(definition, answers) {
  const conditions = new Map();
  for (const rule of rules(definition.schema)) {
    const named = [...(rule.then.required || []), ...Object.keys(rule.then.properties || {})];
    for (const field of named) {
      if (!conditions.has(field)) conditions.set(field, []);
      conditions.get(field).push(rule.if);
    }
  }
  const all = definition.steps.flatMap((step) => step.fields);
  return new Set(
    all.filter((field) => !conditions.has(field) || conditions.get(field).some((when) => satisfies(definition, when, answers))),
  );
}

// Only the answers to questions that apply: a guardian's details are not sent for an adult.
export function relevantAnswers(answers, relevant) {
  return Object.fromEntries(Object.entries(answers).filter(([field]) => relevant.has(field)));
}
