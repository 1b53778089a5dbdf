import { fillMessage } from "./errorMessages.js";

// One topic per screen: shows the current step (or the review), hides questions that do
// not apply, says "Step 3 of 9", and moves focus to the heading for screen readers.
// Every step stays in the one form, so moving between steps never loses an answer.
export class Stepper {
  constructor(form, definition, messages) {
    this.form = form;
    this.definition = definition;
    this.messages = messages;
    this.sections = [...form.querySelectorAll("[data-step]")];
    this.review = form.querySelector("#review");
    this.submit = form.querySelector("#submit-application");
    this.current = this.sections[0].dataset.step;
    this.relevant = new Set(definition.steps.flatMap((step) => step.fields));
    this.baseTitle = document.title;
    this.intro = document.getElementById("form-intro");
    form.classList.add("application--stepped");
    for (const nav of form.querySelectorAll(".step__nav")) nav.hidden = false;
  }

  // Hide the questions that do not apply, and the steps left with none.
  setRelevant(relevant) {
    this.relevant = relevant;
    for (const group of this.form.querySelectorAll("[data-field]")) group.hidden = !relevant.has(group.dataset.field);
  }

  steps() {
    return this.definition.steps.filter((step) => step.fields.some((field) => this.relevant.has(field)));
  }

  step(id) {
    return this.definition.steps.find((step) => step.id === id);
  }

  next(id = this.current) {
    const steps = this.steps();
    const index = steps.findIndex((step) => step.id === id);
    return index + 1 < steps.length ? steps[index + 1].id : "review";
  }

  previous(id = this.current) {
    const steps = this.steps();
    if (id === "review") return steps[steps.length - 1].id;
    const index = steps.findIndex((step) => step.id === id);
    return index > 0 ? steps[index - 1].id : null;
  }

  show(id, { focus = true } = {}) {
    const steps = this.steps();
    if (id !== "review" && !steps.some((step) => step.id === id)) id = steps[0].id;
    this.current = id;
    for (const section of this.sections) section.classList.toggle("step--current", section.dataset.step === id);
    this.review.hidden = id !== "review";
    this.submit.hidden = id !== "review";
    let heading;
    if (id === "review") {
      if (this.intro) this.intro.hidden = true;
      heading = this.review.querySelector(".step__title");
      document.title = `${heading.textContent} – ${this.baseTitle}`;
    } else {
      const section = this.sections.find((candidate) => candidate.dataset.step === id);
      const number = steps.findIndex((step) => step.id === id) + 1;
      if (this.intro) this.intro.hidden = number > 1;
      const count = section.querySelector(".step__count");
      count.textContent = fillMessage(this.messages.stepCount, { number, total: steps.length });
      count.hidden = false;
      section.querySelector("[data-nav=back]").hidden = number === 1;
      heading = section.querySelector(".step__title");
      document.title = `${count.textContent}: ${heading.textContent} – ${this.baseTitle}`;
    }
    if (focus) heading.focus();
  }

  fieldsOf(id) {
    const step = this.step(id);
    return step ? step.fields.filter((field) => this.relevant.has(field)) : [];
  }

  stepOf(field) {
    const step = this.definition.steps.find((candidate) => candidate.fields.includes(field));
    return step ? step.id : null;
  }
}
