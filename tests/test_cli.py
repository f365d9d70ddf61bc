"""The CLI as a user runs it: a real `planwatch` process, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    full_env.update(env or {})
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, result
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_help_lists_every_registered_command() -> None:
    from monitor.commands import COMMANDS

    result = run("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_db_upgrade_creates_then_is_a_noop(tmp_path: Path) -> None:
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data")}
    first = run("db", "upgrade", env=env)
    assert first.returncode == 0 and "upgraded from an empty database" in first.stdout
    assert (tmp_path / "data" / "planwatch.db").is_file()
    second = run("db", "upgrade", env=env)
    assert second.returncode == 0 and "nothing to do" in second.stdout


def test_sources_list_json_keeps_chinese(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[sources]]\nid = "sn-wjw"\nname = "遂宁市卫健委"\nagency = "遂宁市卫生健康委员会"\n'
        'region = "四川省/遂宁市"\nstart_urls = ["http://127.0.0.1:8765/sn/index.html"]\n',
        encoding="utf-8",
    )
    result = run("sources", "list", "--json", env={"PLANWATCH_SOURCES_FILE": str(sources)})
    assert result.returncode == 0, result.stderr
    assert "遂宁市卫生健康委员会" in result.stdout
    assert json.loads(result.stdout)[0]["region"] == "四川省/遂宁市"
    table = run("sources", "list", env={"PLANWATCH_SOURCES_FILE": str(sources)})
    assert "sn-wjw" in table.stdout and "0 6 * * * (default)" in table.stdout


def test_missing_sources_file_is_one_line(tmp_path: Path) -> None:
    result = run("sources", "list", cwd=tmp_path)
    assert_one_line_error(result, 2, "sources.toml does not exist", "sources.example.toml")


def test_bad_sources_entry_names_source_and_field(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "gy"\nname = "x"\nagency = "y"\nregion = "z"\nstart_urls = ["nope"]\n', encoding="utf-8")
    result = run("sources", "list", "--file", str(sources))
    assert_one_line_error(result, 2, "source 'gy'", "field 'start_urls'")


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "planwatch.toml"
    config.write_text("[smtp]\nport = 'x'\n", encoding="utf-8")
    assert_one_line_error(run("--config", str(config), "config"), 2, "smtp.port must be int")


def test_unreachable_database_is_one_line_exit_3(tmp_path: Path) -> None:
    env = {"PLANWATCH_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"}
    assert_one_line_error(run("db", "upgrade", env=env), 3, "check that the database server is running")


def test_old_schema_says_run_db_upgrade(tmp_path: Path) -> None:
    pytest.importorskip("monitor.commands.documents", reason="the documents command is not there yet")
    result = run("documents", env={"PLANWATCH_DATA_DIR": str(tmp_path / "data")})
    assert_one_line_error(result, 2, "planwatch db upgrade")


def test_config_shows_origin_and_hides_secrets(tmp_path: Path) -> None:
    result = run("config", "--json", env={"PLANWATCH_SMTP_PASSWORD": "hunter2", "PLANWATCH_SMTP_PORT": "2525"}, cwd=tmp_path)
    shown = json.loads(result.stdout)
    assert shown["smtp.port"] == {"value": 2525, "origin": "env", "env": "PLANWATCH_SMTP_PORT"}
    assert shown["smtp.password"]["value"] == "(set)"
    assert "hunter2" not in result.stdout + result.stderr


def test_a_narrow_terminal_wraps_table_cells_instead_of_cutting_them(monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """An 80-column terminal must still tell 遂宁… from 射洪… documents apart."""
    from rich.console import Console

    from monitor.commands import _output

    monkeypatch.setattr(_output, "Console", lambda **kwargs: Console(**{**kwargs, "width": 60}))
    title = "遂宁市卫生健康委员会关于印发2024年全市卫生健康工作要点的通知"
    _output.print_table(["id", "title", "region", "status"], [(1, title, "四川省/遂宁市", "ok")])
    cells = "".join(line.split("│")[2].strip() for line in capsys.readouterr().out.splitlines() if line.count("│") > 3)
    assert cells == title and "…" not in cells


@pytest.mark.parametrize(
    ("url", "needles"),
    [("mysql://planwatch:hunter2@127.0.0.1/plans", ("database_url 'mysql://planwatch:***@127.0.0.1/plans'", "mysql is not supported")),
     ("oracle+cx_oracle://u@127.0.0.1/x", ("oracle+cx_oracle is not supported", "postgresql+psycopg://")),
     ("not a url", ("database_url 'not a url' is not a valid URL",))],
    ids=["mysql", "oracle", "garbage"],
)
def test_an_unsupported_database_url_is_one_line(tmp_path: Path, url: str, needles: tuple[str, ...]) -> None:
    for args in (("documents",), ("db", "upgrade")):
        result = run(*args, env={"PLANWATCH_DATABASE_URL": url, "PLANWATCH_DATA_DIR": str(tmp_path)})
        assert_one_line_error(result, 2, *needles)
        assert "hunter2" not in result.stderr


@pytest.mark.parametrize("args", [("db", "upgrade"), ("crawl",), ("run", "--once")], ids=" ".join)
def test_a_data_dir_under_a_file_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "hostname").write_text("x", encoding="utf-8")
    result = run(*args, env={"PLANWATCH_DATA_DIR": str(tmp_path / "hostname" / "sub")})
    assert_one_line_error(result, 2, "data_dir", "(from PLANWATCH_DATA_DIR) cannot be created (Not a directory)")


@pytest.mark.parametrize("args", [("documents",), ("feed",), ("subscribers", "list"), ("runs",)], ids=" ".join)
def test_read_only_commands_create_nothing(tmp_path: Path, args: tuple[str, ...]) -> None:
    missing = tmp_path / "nonexistent" / "dir"
    for env in ({"PLANWATCH_DATABASE_URL": f"sqlite:///{missing / 'x.db'}"}, {"PLANWATCH_DATA_DIR": str(missing)}):
        result = run(*args, env=env, cwd=tmp_path)
        assert_one_line_error(result, 2, f"the database {missing}", "does not exist", "run `planwatch db upgrade`")
        assert list(tmp_path.iterdir()) == []


def test_a_sources_file_with_two_mistakes_shows_both(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nid = "gy"\nname = "x"\nagency = "y"\nregion = "z"\nstart_url = ["http://127.0.0.1/"]\n',
                       encoding="utf-8")
    result = run("sources", "list", "--file", str(sources))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {sources}: 2 problems",
        "  source 'gy', field 'start_urls': required, but not given",
        "  source 'gy', field 'start_url': unknown field; did you mean 'start_urls'?"]


def test_db_current_creates_nothing_then_shows_the_revision(tmp_path: Path) -> None:
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data")}
    before = run("db", "current", env=env)
    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith(f"database: (no file {tmp_path / 'data' / 'planwatch.db'} yet;")
    assert list(tmp_path.iterdir()) == []
    assert run("db", "upgrade", env=env).returncode == 0
    lines = run("db", "current", env=env).stdout.splitlines()
    assert lines[0].split()[1] == lines[1].split()[1] and "(" not in lines[0]
