"""Turn JSON Schema errors into one plain-language message per field.

Messages come from the program file (``form.fields.<name>.errors.<keyword>``) first,
then from generic, translated fallbacks that name the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .i18n import gettext_for, localized

if TYPE_CHECKING:
    from .program import FormDefinition

FORM = "_form"


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def to_json(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


def fallback_messages(lang: str) -> dict[str, str]:
    """Generic messages naming the question, for codes the program file has no words for.
    The browser gets the same ones (server/client_messages.py)."""
    _ = gettext_for(lang)
    return {
        "required": _("Answer the question “%(label)s”"),
        "minLength": _("Answer the question “%(label)s”"),
        "maxLength": _("“%(label)s” must be %(limit)s characters or fewer"),
        "minItems": _("Choose at least %(limit)s for “%(label)s”"),
        "maxItems": _("Choose no more than %(limit)s for “%(label)s”"),
        "uniqueItems": _("Choose each option only once for “%(label)s”"),
        "enum": _("Choose one of the options for “%(label)s”"),
        "unknown": _("This answer is not a question on this form"),
        "invalid": _("Check your answer to “%(label)s”"),
    }


def fallback_message(code: str, form: FormDefinition, field: str, lang: str) -> str:
    """The generic message for ``code`` about one question (or the unknown-answer one)."""
    if field not in form.fields:
        return _fallback("unknown", field, None, lang)
    return _fallback(code, form.label(field, lang), None, lang)


def _fallback(code: str, label: str, limit: Any, lang: str) -> str:
    messages = fallback_messages(lang)
    return messages.get(code, messages["invalid"]) % {"label": label, "limit": limit}


# which program-file message keys stand in for a keyword, most specific first
_MESSAGE_KEYS = {
    "required": ("required",),
    "minLength": ("minLength", "required"),
    "maxLength": ("maxLength",),
    "minItems": ("minItems", "required"),
    "maxItems": ("maxItems",),
}


def _message(form: FormDefinition, field: str, code: str, limit: Any, lang: str) -> str:
    spec = form.fields.get(field)
    if spec is None:
        return _fallback("unknown", field, limit, lang)
    custom = spec.get("errors", {})
    for key in _MESSAGE_KEYS.get(code, (code, "invalid")):
        if key in custom:
            return localized(custom[key], lang, form.default_language)
    return _fallback(code, form.label(field, lang), limit, lang)


def _locate(error, instance: Any) -> list[tuple[str, str, Any]]:
    """(field, keyword, limit) triples for one jsonschema error."""
    if error.absolute_path:
        return [(str(error.absolute_path[0]), error.validator, error.validator_value)]
    if error.validator == "required" and isinstance(instance, dict):
        return [(name, "required", None) for name in error.validator_value if name not in instance]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [(name, "unknown", None) for name in instance if name not in allowed]
    if error.validator in ("anyOf", "oneOf") and error.context:
        # "one of these is needed": report it once, on the first field the rule names
        for sub in error.context:
            if sub.validator == "required" and not sub.absolute_path:
                missing = [n for n in sub.validator_value if not (isinstance(instance, dict) and n in instance)]
                if missing:
                    return [(missing[0], error.validator, None)]
        return _locate(error.context[0], instance)
    return [(FORM, error.validator, None)]


def field_errors(form: FormDefinition, answers: Any, lang: str) -> list[FieldError]:
    """Validate ``answers`` against the form's schema; one error per field, form order."""
    if not isinstance(answers, dict):
        _ = gettext_for(lang)
        return [FieldError(FORM, "type", _("The answers must be a set of questions and answers"))]
    found: dict[str, FieldError] = {}
    errors = sorted(form._validator.iter_errors(answers), key=lambda e: len(e.absolute_path), reverse=True)
    for error in errors:
        for field, code, limit in _locate(error, answers):
            if field not in found:
                found[field] = FieldError(field, code, _message(form, field, code, limit, lang))
    order = {name: index for index, name in enumerate(form.field_order)}
    return sorted(found.values(), key=lambda e: order.get(e.field, len(order)))
