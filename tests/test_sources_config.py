"""The sources config: validated on load, errors name the source and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.errors import ConfigError
from store.sources_config import DEFAULT_TITLE_FILTER, load_sources

GOOD = """
[[sources]]
id = "gy-wjw"
name = "贵阳市卫生健康局 计划总结"
agency = "贵阳市卫生健康局"
region = "贵州省/贵阳市"
start_urls = ["http://127.0.0.1:8765/gy/jhzj/index.html"]
schedule = "0 6 * * 1"

[sources.selectors]
body = "#zoom"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_source_gets_defaults(tmp_path: Path) -> None:
    (source,) = load_sources(_write(tmp_path, GOOD))
    assert source.allowed_domains == ["127.0.0.1"]
    assert source.title_filter == DEFAULT_TITLE_FILTER
    assert source.selectors.body == "#zoom"
    assert source.region_parts == ["贵州省", "贵阳市"]
    assert source.enabled and source.max_pages == 50


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('start_urls = ["http://127.0.0.1:8765/gy/jhzj/index.html"]', "start_urls = []"), "source 'gy-wjw', field 'start_urls'"),
        (('start_urls = ["http://127.0.0.1:8765/gy/jhzj/index.html"]', 'start_urls = ["ftp://x/y"]'), "is not an http(s) URL"),
        (('schedule = "0 6 * * 1"', 'schedule = "every day"'), "field 'schedule': not a cron expression"),
        (('id = "gy-wjw"', 'id = "GY WJW"'), "field 'id'"),
        (('body = "#zoom"', 'bodyy = "#zoom"'), "field 'selectors.bodyy': unknown field; did you mean 'body'?"),
        (('schedule = "0 6 * * 1"', 'frobnicate = 1'), "field 'frobnicate': unknown field; valid: id, name, agency, region,"),
        (("[[sources]]", "[[source]]"), "unknown table [[source]]; did you mean [[sources]]?"),
        (("[[sources]]", "[[plans]]"), "unknown table [[plans]]; sources go in [[sources]] tables"),
        (('name = "贵阳市卫生健康局 计划总结"', 'name = "x"\ntitle_filter = "工作(要点"'), "field 'title_filter': not a valid regular expression"),
    ],
)
def test_bad_source_names_source_and_field(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    path = _write(tmp_path, GOOD.replace(*edit))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("schedule", ["0 6 * * 7", "0 6 * * 0", "0 6 * * sun", "30 7 * * 1-5"])
def test_crontab_weekdays_are_accepted_as_crontab_means_them(tmp_path: Path, schedule: str) -> None:
    (source,) = load_sources(_write(tmp_path, GOOD.replace('schedule = "0 6 * * 1"', f'schedule = "{schedule}"')))
    assert source.schedule == schedule


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="source 'gy-wjw', field 'id': this id is used twice"):
        load_sources(_write(tmp_path, GOOD + GOOD.replace("[sources.selectors]\nbody = \"#zoom\"", "")))


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist") as caught:
        load_sources(tmp_path / "nope.toml")
    assert "sources.example.toml" in caught.value.one_line()


def test_every_problem_gets_its_own_line(tmp_path: Path) -> None:
    text = GOOD.replace("start_urls =", "start_url =").replace('body = "#zoom"', 'titel = "h1"')
    text += GOOD.replace('id = "gy-wjw"', 'id = "zy"').replace('schedule = "0 6 * * 1"', 'schedule = "daily"')
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    lines = caught.value.one_line().splitlines()
    assert lines[:4] == [
        f"{path}: 4 problems",
        "  source 'gy-wjw', field 'start_urls': required, but not given",
        "  source 'gy-wjw', field 'selectors.titel': unknown field; did you mean 'title'?",
        "  source 'gy-wjw', field 'start_url': unknown field; did you mean 'start_urls'?",
    ]
    assert len(lines) == 5 and lines[4].startswith("  source 'zy', field 'schedule': not a cron expression")
