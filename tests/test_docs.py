"""The README stays true: its command list and settings table are generated from the
code, its two set-up commands exist, and CI runs the README's test command.

Regenerate after adding a command or a setting:
``PLANWATCH_UPDATE_DOCS=1 .venv/bin/pytest tests/test_docs.py``.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.commands import COMMANDS
from store.settings import settings_markdown

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


def _help_text() -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    env["COLUMNS"] = "100"
    return subprocess.run([PLANWATCH, "--help"], capture_output=True, text=True, env=env, check=True).stdout.rstrip()


def _check_block(name: str, body: str) -> None:
    text = README.read_text(encoding="utf-8")
    pattern = re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.S)
    match = pattern.search(text)
    assert match, f"README lacks the <!-- {name}:start/end --> markers"
    if os.environ.get("PLANWATCH_UPDATE_DOCS"):
        README.write_text(text[: match.start(2)] + body + "\n" + text[match.end(2):], encoding="utf-8")
        return
    assert match.group(2).rstrip("\n") == body.rstrip("\n"), (
        f"README's {name} block is out of date: run PLANWATCH_UPDATE_DOCS=1 .venv/bin/pytest tests/test_docs.py"
    )


def test_readme_lists_every_command() -> None:
    _check_block("commands", "```\n" + _help_text() + "\n```")


def test_readme_documents_every_setting() -> None:
    _check_block("settings", settings_markdown())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_an_example_in_its_help(name: str) -> None:
    command = importlib.import_module(f"monitor.commands.{COMMANDS[name].module}").command
    assert "Example:" in (command.help or ""), f"planwatch {name} --help has no Example: block"


def test_readme_setup_commands_exist_and_ci_runs_the_test_command() -> None:
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r"^    (bash \S+)$", text, re.M)
    assert commands[:2] == ["bash deploy/demo.sh", "bash tests/run.sh"]
    for command in commands[:2]:
        assert (REPO / command.split()[1]).is_file()
    assert "tests/run.sh" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
