"""UI strings through gettext catalogs (Babel); question text lives in the program file."""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from babel.support import Translations

LOCALES = Path(__file__).resolve().parent / "locales"


@lru_cache(maxsize=64)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog for ``lang``; English source strings when there is none."""
    return Translations.load(dirname=str(LOCALES), locales=[lang], domain="messages")


def localized(text, lang: str, default: str = "en") -> str:
    """Pick ``lang`` from a ``{"en": ..., "es": ...}`` mapping, falling back to ``default``."""
    if isinstance(text, str) or text is None:
        return text or ""
    return text.get(lang) or text.get(default) or next(iter(text.values()), "")


def gettext_for(lang: str):
    return translations(lang).gettext


def pick_language(accept_language: str | None, available: list[str], default: str) -> str:
    """The first of the browser's preferred languages that the program offers."""
    if not accept_language:
        return default
    ranked = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    lowered = {code.lower(): code for code in available}
    for _, _, tag in sorted(ranked):
        if tag in lowered:
            return lowered[tag]
        base = tag.split("-")[0]
        if base in lowered:
            return lowered[base]
    return default
