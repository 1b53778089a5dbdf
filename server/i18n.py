"""UI strings through gettext catalogs (Babel); question text lives in the program file.

Catalogs are the ``.po`` files under ``server/locales/<locale>/LC_MESSAGES/`` (``make
messages`` extracts and updates them); they are compiled in memory when first used, so no
compiled binaries are kept in the repository.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent / "locales"
RTL_LANGUAGES = {"ar", "fa", "he", "ur"}


def catalog_path(lang: str) -> Path:
    """``zh-Hans`` (as in HTML) lives in ``zh_Hans`` (as Babel names it)."""
    return LOCALES / lang.replace("-", "_") / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=64)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog for ``lang``; the English source strings when there is none."""
    path = catalog_path(lang)
    if not path.exists():
        return gettext.NullTranslations()
    with open(path, "rb") as source:
        catalog = read_po(source, locale=lang.replace("-", "_"))
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled)


def text_direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


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
        # zh-CN, zh-SG and plain zh read Simplified Chinese; pt-BR reads pt
        base = tag.split("-")[0]
        for code in available:
            if code.lower().split("-")[0] == base:
                return code
    return default
