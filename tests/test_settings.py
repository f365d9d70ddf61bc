"""The settings table: file, environment and defaults, and the errors a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.errors import ConfigError
from store.settings import SETTINGS, load_config


def test_defaults_without_file_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.path is None
    assert config["timezone"] == "Asia/Shanghai"
    assert config.data_dir == Path("planwatch-data")
    assert config.database_url == f"sqlite:///{(tmp_path / 'planwatch-data' / 'planwatch.db').resolve()}"


def test_file_then_environment_override(tmp_path: Path) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_text('data_dir = "/srv/pw"\n[smtp]\nport = 2525\nsecurity = "starttls"\n[crawl]\nobey_robots = false\n', encoding="utf-8")
    config = load_config(path, env={"PLANWATCH_SMTP_PORT": "587"})
    assert config["smtp.port"] == 587 and config.origins["smtp.port"] == "env"
    assert config["smtp.security"] == "starttls" and config.origins["smtp.security"] == "file"
    assert config["crawl.obey_robots"] is False
    assert config.data_dir == Path("/srv/pw")


def test_config_file_from_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('timezone = "UTC"\n', encoding="utf-8")
    assert load_config(env={"PLANWATCH_CONFIG": str(path)})["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[smtp]\nprot = 25\n", "unknown setting 'smtp.prot' (did you mean 'smtp.port'?)"),
        ("[web]\ncontact_url = 'mailto:a@b.cn'\n", "unknown setting 'web.contact_url' (did you mean 'crawl.contact_url'?)"),
        ("datadir = 'x'\n", "unknown setting 'datadir' (did you mean 'data_dir'?)"),
        ("[frobnicate]\nzzz = 1\n", "unknown setting 'frobnicate.zzz' (`planwatch config` lists every setting)"),
        ("[smtp]\npassword = 'hunter2'\n", "read from the environment only"),
        ("[smtp]\nport = 'twenty'\n", "smtp.port must be int"),
        ("[smtp]\nsecurity = 'tls'\n", "must be one of plain, starttls, ssl"),
        ("data_dir = \n", "not valid TOML"),
    ],
)
def test_bad_config_file_names_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    line = caught.value.one_line()
    assert message in line and "web.token" not in line  # a suggestion, not a list of every setting


def test_secret_comes_from_environment_and_is_never_shown(tmp_path: Path) -> None:
    config = load_config(env={"PLANWATCH_SMTP_PASSWORD": "s3cret-value"})
    assert config["smtp.password"] == "s3cret-value"
    shown = {setting.name: value for setting, value, _ in config.public_items()}
    assert shown["smtp.password"] == "(set)"
    assert "s3cret-value" not in repr(shown)


def test_every_setting_has_help_and_a_valid_default() -> None:
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert setting.parse(setting.default, "default") == setting.default or setting.type is list


def test_a_data_dir_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "hostname"
    blocker.write_text("x", encoding="utf-8")
    for data_dir, problem in [(blocker / "sub", "cannot be created (Not a directory)"), (blocker, "is a file, not a directory")]:
        config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir)})
        with pytest.raises(ConfigError) as caught:
            config.ensure_data_dir()
        assert caught.value.one_line().startswith(f"data_dir '{data_dir}' (from PLANWATCH_DATA_DIR) {problem}")
        assert "PLANWATCH_DATA_DIR" in caught.value.hint


def test_the_origin_of_a_file_setting_is_the_file(tmp_path: Path) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_text(f"data_dir = '{tmp_path / 'planwatch.toml' / 'data'}'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"from {path}"):
        load_config(path, env={}).ensure_data_dir()
