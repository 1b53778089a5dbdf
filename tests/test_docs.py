"""The docs keep up with the code."""

from __future__ import annotations

from dataclasses import fields

from server.settings import PREFIX, ROOT, Settings


def test_every_setting_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    missing = [PREFIX + f.name.upper() for f in fields(Settings) if f"`{PREFIX}{f.name.upper()}`" not in documented]
    assert missing == []


def test_the_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
