"""The program file: the city's questions, labels, languages and branding.

A program file is JSON. Its ``form`` section holds a JSON Schema (2020-12) for the
answers plus the layout (steps, field order, widgets, labels, error messages). The form
version is a hash of that section, so any change to the questions gives a new version.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from collections.abc import Hashable
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError

from .i18n import localized
from .identity import Identity, parse_date
from .validation import FieldError, field_errors

WIDGETS = {"text", "date", "tel", "email", "number", "textarea", "radios", "checkboxes", "select", "checkbox", "ranked"}
# what pwa/js/validateAnswers.js can check; annotations are ignored by both sides
BROWSER_KEYWORDS = {
    "type", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
    "minItems", "maxItems", "uniqueItems", "items", "required", "properties", "additionalProperties",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    "minAge", "maxAge",  # ours: age in whole years on the form's "age_on" date, for a date answer
}
ANNOTATIONS = {"$schema", "$comment", "title", "description", "examples", "default"}
SUBSCHEMA_KEYWORDS = {"items", "not", "if", "then", "else"}
SUBSCHEMA_LISTS = {"allOf", "anyOf", "oneOf"}
BROWSER_FORMATS = {"date", "email"}


def age_on(born: str, on: date) -> int | None:
    """Whole years from ``born`` (YYYY-MM-DD) to ``on``; None if it is not a real date."""
    birthday = parse_date(born)
    if birthday is None:
        return None
    return on.year - birthday.year - ((on.month, on.day) < (birthday.month, birthday.day))


# JSON Schema patterns are ECMA-262 regular expressions, as the browser runs them; these
# make Python's ``re`` read them the same way
_ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ECMA_CLASSES = {"d": "0-9", "w": "A-Za-z0-9_", "s": _ECMA_SPACE}


@lru_cache(maxsize=256)
def ecma_pattern(pattern: str) -> re.Pattern:
    """Compile an ECMA-262 pattern with its meaning: ``$`` only at the very end, and ASCII
    ``\\d`` and ``\\w`` (Python would also match a newline before ``$`` and any digit)."""
    out, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            letter = pattern[index + 1]
            if letter.lower() in _ECMA_CLASSES and (letter.islower() or not in_class):
                inner = _ECMA_CLASSES[letter.lower()]
                out.append(inner if in_class else f"[{'^' if letter.isupper() else ''}{inner}]")
            else:
                out.append(char + letter)
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            char = "\\Z"
        out.append(char)
        index += 1
    return re.compile("".join(out))


def _too_long(text: str, schema: dict) -> bool:
    """Longer than the same schema's maxLength, which already makes it wrong: its pattern is
    not run (some patterns take time growing with the square of the length)."""
    limit = schema.get("maxLength")
    return isinstance(limit, int) and len(text) > limit


def _json_key(value) -> Hashable:
    """A hashable stand-in for a JSON value, equal exactly when the values are equal as JSON
    Schema compares them: 1 and 1.0 alike, true and 1 not, objects whatever their key order."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)  # 1 == 1.0 and hash(1) == hash(1.0)
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(_json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((name, _json_key(item)) for name, item in value.items()))
    return ("null",) if value is None else ("other", id(value))


def validator_class(cutoff: date):
    """Draft 2020-12 plus ``minAge`` and ``maxAge``, counted on ``cutoff``, and ECMA-262
    patterns: the same rules as pwa/js/validateAnswers.js.

    Two keywords are changed only in how long they take on a hostile list (an answer tens of
    thousands long, under the body limit), so explaining a "no" cannot hold the server up:
    ``uniqueItems`` is checked in time linear in the list's length (jsonschema compares every
    pair when a list mixes types: minutes for 16,000 items), and ``items`` stops at the first
    item that is wrong (one error per answer is all that is reported)."""

    base_items = Draft202012Validator.VALIDATORS["items"]

    def first_wrong_item(validator, items, instance, schema):
        for error in base_items(validator, items, instance, schema):
            yield error
            return

    def unique_items(validator, unique, instance, schema):
        if unique and isinstance(instance, list) and len({_json_key(item) for item in instance}) < len(instance):
            yield ValidationError("has non-unique elements")

    def pattern(validator, expected, instance, schema):
        if isinstance(instance, str) and not _too_long(instance, schema) and not ecma_pattern(expected).search(instance):
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    def min_age(validator, limit, instance, schema):
        age = age_on(instance, cutoff) if isinstance(instance, str) else None
        if age is not None and age < limit:
            yield ValidationError(f"must be at least {limit} years old on {cutoff.isoformat()}")

    def max_age(validator, limit, instance, schema):
        age = age_on(instance, cutoff) if isinstance(instance, str) else None
        if age is not None and age > limit:
            yield ValidationError(f"must be at most {limit} years old on {cutoff.isoformat()}")

    return validators.extend(Draft202012Validator, {"minAge": min_age, "maxAge": max_age, "pattern": pattern,
                                                    "uniqueItems": unique_items, "items": first_wrong_item})


class FastValidator:
    """The same rules as ``validator_class``, compiled by jsonschema-rs: a yes or no in
    microseconds, where the Python validator takes a fifth of a millisecond per application.

    Patterns, ages and formats are checked by the very Python functions the detailed
    validator uses, so both read a schema the same way (tests/test_fast_validation.py checks
    they agree); only the detailed validator explains a "no". Anything jsonschema-rs cannot take
    (a NaN, an integer past 64 bits) is "not sure", which the caller treats as "ask the
    detailed validator"."""

    _FORMATS = Draft202012Validator.FORMAT_CHECKER

    def __init__(self, schema: dict, cutoff: date):
        class Pattern:
            def __init__(self, parent, value, path):
                self.regex, self.parent = ecma_pattern(value), parent

            def validate(self, instance):
                if isinstance(instance, str) and not _too_long(instance, self.parent) and not self.regex.search(instance):
                    raise ValueError("does not match the pattern")

        def age_limit(too_far):
            class Age:
                def __init__(self, parent, value, path):
                    self.limit = value

                def validate(self, instance):
                    age = age_on(instance, cutoff) if isinstance(instance, str) else None
                    if age is not None and too_far(age, self.limit):
                        raise ValueError("outside the age range")
            return Age

        formats = {name: (lambda name: lambda value: self._FORMATS.conforms(value, name))(name)
                   for name in self._FORMATS.checkers}
        self._validator = jsonschema_rs.validator_for(
            schema, formats=formats, validate_formats=True,
            keywords={"pattern": Pattern, "minAge": age_limit(lambda age, limit: age < limit),
                      "maxAge": age_limit(lambda age, limit: age > limit)})

    def is_valid(self, instance: Any) -> bool | None:
        """True or False; None when jsonschema-rs cannot read ``instance``."""
        try:
            return self._validator.is_valid(instance)
        except (ValueError, TypeError, OverflowError):
            return None


_TEXTS = {"label", "hint", "options", "errors", "ineligible", "rank_labels"}


class ProgramError(ValueError):
    """The program file cannot be used; the message says where and why."""


def canonical_json(value: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class FormDefinition:
    """One version of the application form: schema plus layout."""

    program_id: str
    definition: dict

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(canonical_json(self.definition)).hexdigest()[:12]

    @property
    def schema(self) -> dict:
        return self.definition["schema"]

    @property
    def steps(self) -> list[dict]:
        return self.definition["steps"]

    @property
    def fields(self) -> dict[str, dict]:
        return self.definition["fields"]

    @property
    def default_language(self) -> str:
        return self.definition.get("default_language", "en")

    @cached_property
    def field_order(self) -> list[str]:
        return [name for step in self.steps for name in step["fields"]]

    @property
    def status_check_field(self) -> str:
        """The date answer asked with the receipt code on the status page."""
        return self.definition.get("status_check_field", "date_of_birth")

    @property
    def age_on(self) -> date:
        """The date ages are counted on (the program's cut-off); today if the program sets none."""
        text = self.definition.get("age_on")
        return date.fromisoformat(text) if text else date.today()

    @cached_property
    def _validator(self) -> Draft202012Validator:
        return validator_class(self._cutoff)(self.schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def property_schema(self, name: str) -> dict:
        return self.schema.get("properties", {}).get(name, {})

    def is_required(self, name: str) -> bool:
        return name in self.schema.get("required", [])

    def options(self, name: str, lang: str) -> list[tuple[str, str]]:
        """(value, label) pairs for a choice field, in the program file's order."""
        labels = self.fields[name].get("options", {})
        return [(value, localized(label, lang, self.default_language)) for value, label in labels.items()]

    def label(self, name: str, lang: str) -> str:
        return localized(self.fields[name]["label"], lang, self.default_language)

    @cached_property
    def _fast(self) -> FastValidator:
        return FastValidator(self.schema, self._cutoff)

    @cached_property
    def _cutoff(self) -> date:
        # one date for both validators, even when it is "today" and they are built on different days
        return self.age_on

    def validate(self, answers: Any, lang: str) -> list[FieldError]:
        """Every problem with ``answers``, at most one per field, in form order."""
        if self._fast.is_valid(answers):
            return []
        return field_errors(self, answers, lang)

    def for_language(self, lang: str) -> dict:
        """The definition with every text in ``lang`` only: what the page embeds for its script."""
        pick = lambda text: localized(text, lang, self.default_language)  # noqa: E731
        fields = {}
        for name, spec in self.fields.items():
            field = {key: value for key, value in spec.items() if key not in _TEXTS}
            for key in ("label", "hint"):
                if key in spec:
                    field[key] = pick(spec[key])
            for key in ("options", "errors", "ineligible"):
                if key in spec:
                    field[key] = {code: pick(text) for code, text in spec[key].items()}
            if "rank_labels" in spec:
                field["rank_labels"] = [pick(text) for text in spec["rank_labels"]]
            fields[name] = field
        steps = [{**step, "title": pick(step["title"]), **({"hint": pick(step["hint"])} if "hint" in step else {})}
                 for step in self.steps]
        return {"id": self.program_id, "version": self.version, "age_on": self.age_on.isoformat(),
                "schema": {k: v for k, v in self.schema.items() if k != "examples"}, "steps": steps, "fields": fields}

    def to_json(self) -> dict:
        """The definition as served at ``GET /api/form``."""
        return {"id": self.program_id, "version": self.version, **self.definition}

    def check(self) -> None:
        """Raise ProgramError unless schema and layout agree with each other."""
        try:
            Draft202012Validator.check_schema(self.schema)
        except SchemaError as exc:
            raise ProgramError(f"form.schema is not a valid JSON Schema: {exc.message}") from None
        if self.schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            raise ProgramError("form.schema must declare $schema draft 2020-12")
        if self.schema.get("additionalProperties") is not False:
            raise ProgramError("form.schema must set additionalProperties to false")
        _check_keywords(self.schema, "form.schema")
        properties = set(self.schema.get("properties", {}))
        reserved = sorted(name for name in properties if name.startswith("_"))
        if reserved:
            raise ProgramError(f"field names must not start with '_' (kept for the form itself): {reserved}")
        for name, sub in self.schema.get("properties", {}).items():
            _check_bounded(sub, f"form.schema.properties.{name}")
        laid_out = self.field_order
        if len(laid_out) != len(set(laid_out)):
            raise ProgramError("a field appears in more than one step")
        if set(laid_out) != properties:
            missing = sorted(properties - set(laid_out))
            extra = sorted(set(laid_out) - properties)
            raise ProgramError(f"steps and schema disagree: not in any step {missing}, not in schema {extra}")
        for name in laid_out:
            spec = self.fields.get(name)
            if not spec or "label" not in spec:
                raise ProgramError(f"form.fields.{name} needs a label")
            if spec.get("widget", "text") not in WIDGETS:
                raise ProgramError(f"form.fields.{name}: unknown widget {spec.get('widget')!r}")
        if self.status_check_field not in properties:
            raise ProgramError(f"form.status_check_field {self.status_check_field!r} is not a question in the form")
        examples = self.schema.get("examples") or []
        if not examples:
            raise ProgramError("form.schema needs at least one complete valid application in examples")
        for index, example in enumerate(examples):
            problems = self.validate(example, self.default_language)
            if problems:
                raise ProgramError(f"form.schema.examples[{index}] is not valid: {problems[0].message}")


def _check_keywords(schema, where: str) -> None:
    """Refuse keywords the browser's validator does not know, so both sides always agree."""
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        if keyword in ANNOTATIONS:
            continue
        if keyword not in BROWSER_KEYWORDS:
            raise ProgramError(f"{where} uses {keyword!r}, which the browser cannot check; "
                               f"use only {', '.join(sorted(BROWSER_KEYWORDS))}")
        if keyword == "format" and value not in BROWSER_FORMATS:
            raise ProgramError(f"{where} uses format {value!r}; the browser checks only {sorted(BROWSER_FORMATS)}")
        if keyword == "properties":
            for name, sub in value.items():
                _check_keywords(sub, f"{where}.properties.{name}")
        elif keyword in SUBSCHEMA_KEYWORDS:
            _check_keywords(value, f"{where}.{keyword}")
        elif keyword in SUBSCHEMA_LISTS:
            for index, sub in enumerate(value):
                _check_keywords(sub, f"{where}.{keyword}[{index}]")


MAX_TEXT_LENGTH = 10_000


def _check_bounded(schema, where: str) -> None:
    """Every written answer has a maxLength (at most MAX_TEXT_LENGTH), and every list a
    maxItems or a fixed set of options: what one answer may hold is the program's choice, not
    the request size limit's (a pattern is run over the whole answer, so its length is also
    what a pattern can cost)."""
    if not isinstance(schema, dict) or "enum" in schema or "const" in schema:
        return
    types = schema.get("type", [])
    types = {types} if isinstance(types, str) else set(types)
    if "string" in types or {"pattern", "format", "minLength"} & set(schema):
        limit = schema.get("maxLength")
        if not isinstance(limit, int) or limit > MAX_TEXT_LENGTH:
            raise ProgramError(f"{where} needs a maxLength of at most {MAX_TEXT_LENGTH:,} "
                               f"(the longest answer the question should take, e.g. 10 for a date)")
    if "array" in types or "items" in schema:
        items = schema.get("items")
        limit = schema.get("maxItems")
        has_options = isinstance(items, dict) and ("enum" in items or "const" in items) and schema.get("uniqueItems")
        if not has_options and (not isinstance(limit, int) or limit > 1000):
            raise ProgramError(f"{where} needs a maxItems of at most 1000, or items from an enum with uniqueItems")
        _check_bounded(items, f"{where}.items")


@dataclass(frozen=True, eq=False)
class Program:
    """A city's program: its name, branding, languages and current form."""

    raw: dict
    form: FormDefinition

    @property
    def id(self) -> str:
        return self.raw["id"]

    @property
    def default_language(self) -> str:
        return self.raw.get("default_language", "en")

    @property
    def languages(self) -> dict[str, str]:
        return self.raw.get("languages", {"en": "English"})

    def text(self, key: str, lang: str) -> str:
        return localized(self.raw.get(key), lang, self.default_language)

    @cached_property
    def identity(self) -> Identity:
        """Which questions hold the name, birth date, phone, email and area (``staff.identity``)."""
        return Identity(self.raw.get("staff", {}).get("identity", {}))

    @property
    def insights_questions(self) -> list[str]:
        """Choice questions broken down on the insights page (``staff.insights``)."""
        return self.raw.get("staff", {}).get("insights", [])

    @property
    def insights_min_count(self) -> int:
        """Counts below this are hidden on the Insights page (``staff.insights_min_count``)."""
        return self.raw.get("staff", {}).get("insights_min_count", 11)

    @property
    def list_columns(self) -> list[str]:
        """Questions shown as columns in the staff list, after name and receipt code."""
        return self.raw.get("staff", {}).get("list_columns", [])

    @property
    def export_columns(self) -> list[str]:
        """Questions exported, in order (answers not listed are never exported)."""
        return self.raw.get("staff", {}).get("export_columns", self.form.field_order)

    @property
    def idle_seconds(self) -> tuple[int, int]:
        """On a shared outreach device: seconds of no input before the warning, and how long
        the warning shows before the application is cleared (``outreach``)."""
        outreach = self.raw.get("outreach", {})
        return int(outreach.get("idle_seconds", 180)), int(outreach.get("idle_warning_seconds", 60))

    @property
    def theme_color(self) -> str:
        return self.raw.get("theme_color", "#1d4f91")

    @property
    def background_color(self) -> str:
        return self.raw.get("background_color", "#ffffff")


def load_program(path: Path) -> Program:
    """Read and check a program file; raise ProgramError with a clear message."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProgramError(f"program file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ProgramError(f"program file {path} is not valid JSON: {exc}") from None
    for key in ("id", "name", "form"):
        if key not in raw:
            raise ProgramError(f"program file {path} has no {key!r}")
    definition = dict(raw["form"])
    definition.setdefault("default_language", raw.get("default_language", "en"))
    form = FormDefinition(program_id=raw["id"], definition=definition)
    form.check()
    program = Program(raw=raw, form=form)
    for key in ("idle_seconds", "idle_warning_seconds"):
        value = raw.get("outreach", {}).get(key, 60)
        if not isinstance(value, int) or isinstance(value, bool) or not 10 <= value <= 3600:
            raise ProgramError(f"outreach.{key} must be a whole number of seconds from 10 to 3600")
    known = set(form.field_order)
    staff = raw.get("staff", {})
    for where, names in [("staff.identity", staff.get("identity", {}).values()),
                         ("staff.list_columns", program.list_columns), ("staff.export_columns", program.export_columns)]:
        unknown = sorted(set(names) - known)
        if unknown:
            raise ProgramError(f"{where} names questions the form does not have: {unknown}")
    insights = program.insights_questions
    if not isinstance(insights, list) or sorted(set(insights) - known):
        raise ProgramError(f"staff.insights names questions the form does not have: {sorted(set(insights) - known)}")
    without_choices = [name for name in insights if not form.fields[name].get("options")]
    if without_choices:
        raise ProgramError(f"staff.insights can only break down questions with options: {without_choices}")
    minimum = program.insights_min_count
    # DESIGN.md: aggregates shown to anyone hide groups smaller than 11; a city may hide more
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 11 <= minimum <= 100:
        raise ProgramError("staff.insights_min_count must be a whole number from 11 to 100 "
                           "(groups smaller than 11 are always hidden)")
    return program
