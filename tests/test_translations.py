"""Every string, in every language a program offers: the UI catalogs and the program files."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from server.i18n import catalog_path, localized
from server.program import load_program
from server.settings import ROOT

PROGRAMS = sorted((ROOT / "programs").glob("*.json"))
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def program_languages() -> list[tuple[str, str]]:
    pairs = set()
    for path in PROGRAMS:
        program = load_program(path)
        pairs.update((path.name, lang) for lang in program.languages)
    return sorted(pairs)


def texts(node, path=""):
    """Every {"en": ..., "es": ...} text in a program file, with where it is."""
    if isinstance(node, dict):
        if node and all(isinstance(v, str) for v in node.values()) and "en" in node and all(len(k) <= 7 for k in node):
            yield path, node
            return
        for key, value in node.items():
            if key != "languages":
                yield from texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from texts(value, f"{path}/{index}")


def catalog_ids() -> set[str]:
    with open(ROOT / "server" / "locales" / "messages.pot", "rb") as source:
        return {message.id for message in read_po(source) if message.id}


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_every_program_text_is_in_every_language_it_offers(path):
    program = load_program(path)
    missing = [(where, lang) for where, text in texts(program.raw) for lang in program.languages
               if not (text.get(lang) or "").strip()]
    assert missing == []


@pytest.mark.parametrize(("program", "lang"), program_languages())
def test_every_ui_string_is_translated(program, lang):
    if lang == "en":
        return  # the source language
    path = catalog_path(lang)
    assert path.exists(), f"{program} offers {lang} but there is no catalog {path}"
    with open(path, "rb") as source:
        catalog = read_po(source)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(catalog_ids() - set(translated))
    assert missing == [], f"{lang}: {len(missing)} untranslated"
    for msgid, text in translated.items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text)), f"{lang}: placeholders in {text!r}"


def test_the_catalog_template_has_every_string_in_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-o", str(fresh),
                    "--no-location", "--omit-header", "--sort-output", "-k", "_", "-k", "N_", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(fresh, "rb") as source:
        in_code = {message.id for message in read_po(source) if message.id}
    assert in_code == catalog_ids(), "run `make messages` and translate the new strings"


def test_language_names_are_written_in_their_own_language():
    for path in PROGRAMS:
        names = load_program(path).languages
        assert all(name.strip() for name in names.values())
        if "es" in names:
            assert names["es"] == "Español"


def test_localized_falls_back_to_the_default_language():
    assert localized({"en": "Hello", "es": ""}, "es") == "Hello"
    assert localized({"en": "Hello", "es": "Hola"}, "es") == "Hola"
