"""docs/reliability.md and the README's guarantees stay in step with the tests and settings."""

from __future__ import annotations

import re
from pathlib import Path

from store.settings import SETTINGS

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "reliability.md"


def test_every_reliability_test_module_is_in_the_document() -> None:
    text = DOC.read_text(encoding="utf-8")
    modules = sorted(path.name for path in (REPO / "tests").glob("test_reliability_*.py"))
    assert modules and [name for name in modules if name not in text and name != Path(__file__).name] == []


def test_every_file_and_setting_the_document_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    for path in set(re.findall(r"`((?:tests|crawler|store|monitor|reports)/[\w/]+\.py)`", text)):
        assert (REPO / path).is_file(), path
    names = {setting.name for setting in SETTINGS}
    for name in set(re.findall(r"`((?:crawl|digest|schedule|smtp)\.\w+)`", text)):
        assert name in names, name


def test_the_readme_states_the_delivery_guarantee() -> None:
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for phrase in ("exactly one digest per subscriber", "never lost", "at-least-once", "same Message-ID",
                   "`digest.sending_lease_seconds`", "docs/reliability.md"):
        assert phrase in readme, phrase
