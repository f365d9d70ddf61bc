"""Structured logs as an operator reads them: one event per line, Chinese kept,
secrets never written, and a log file several processes can share while it rotates."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.logs import get_logger, log_event, log_path, setup_logging
from store.settings import Config, load_config


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _config(data_dir: Path, **env: str) -> Config:
    return load_config(env={"PLANWATCH_DATA_DIR": str(data_dir), **env})


def _lines(config: Config) -> list[str]:
    return log_path(config).read_text(encoding="utf-8").splitlines()


def test_key_value_line_keeps_chinese_and_quotes_spaces(data_dir: Path) -> None:
    config = _config(data_dir)
    setup_logging(config, stderr=False)
    log_event(get_logger("jobs"), "crawl.finished", source="gy-wjw", title="贵阳市 2024年 工作要点", new_versions=2)
    [line] = _lines(config)
    assert "level=info logger=planwatch.jobs" in line
    assert "event=crawl.finished source=gy-wjw" in line
    assert 'title="贵阳市 2024年 工作要点"' in line
    assert "new_versions=2" in line
    assert line.split(" ", 1)[0].endswith("+08:00"), "times are shown in Asia/Shanghai"


def test_json_lines_parse_and_keep_chinese(data_dir: Path) -> None:
    config = _config(data_dir, PLANWATCH_LOG_FORMAT="json")
    setup_logging(config, stderr=False)
    log_event(get_logger("cycle"), "cycle.finished", due=["gy-wjw", "zz-wjw"], note="无变化")
    [line] = _lines(config)
    assert "无变化" in line
    record = json.loads(line)
    assert record["event"] == "cycle.finished" and record["due"] == ["gy-wjw", "zz-wjw"]
    assert record["logger"] == "planwatch.cycle" and record["level"] == "info"


def test_traceback_stays_on_the_event_line(data_dir: Path) -> None:
    config = _config(data_dir)
    setup_logging(config, stderr=False)
    try:
        raise RuntimeError("页面解析失败\nsecond line")
    except RuntimeError:
        get_logger("jobs").exception("crawl.crashed")
    [line] = _lines(config)
    assert "event=crawl.crashed" in line and "RuntimeError" in line and "页面解析失败" in line


def test_secrets_and_url_passwords_are_never_written(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(data_dir, PLANWATCH_SMTP_PASSWORD="hunter2-smtp", PLANWATCH_WEB_TOKEN="tok-123456")
    setup_logging(config, stderr=True)
    logger = get_logger("mailer")
    logger.info("login with %s", "hunter2-smtp")
    log_event(logger, "db.connect", url="postgresql+psycopg://planwatch:s3cr3t-pw@db.internal/planwatch")
    try:
        raise ValueError("bearer tok-123456 refused")
    except ValueError:
        logger.exception("auth.failed")
    written = log_path(config).read_text(encoding="utf-8") + capsys.readouterr().err
    for secret in ("hunter2-smtp", "s3cr3t-pw", "tok-123456"):
        assert secret not in written
    assert "planwatch:***@db.internal" in written and written.count("***") >= 4


def test_setting_up_twice_does_not_duplicate_lines(data_dir: Path) -> None:
    config = _config(data_dir)
    setup_logging(config, stderr=False)
    setup_logging(config, stderr=False)
    log_event(get_logger("daemon"), "daemon.started")
    assert len(_lines(config)) == 1


def test_level_filters_debug_by_default(data_dir: Path) -> None:
    config = _config(data_dir)
    setup_logging(config, stderr=False)
    log_event(get_logger("jobs"), "noise", level=logging.DEBUG)
    log_event(get_logger("jobs"), "signal", level=logging.WARNING)
    assert [line.split("event=")[1] for line in _lines(config)] == ["signal"]


_WRITER = """
import sys
from monitor.logs import get_logger, log_event, setup_logging
from store.settings import load_config
config = load_config(env={"PLANWATCH_DATA_DIR": sys.argv[1]})
setup_logging(config, stderr=False, max_bytes=int(sys.argv[4]), backups=int(sys.argv[5]))
logger = get_logger("writer")
for seq in range(int(sys.argv[3])):
    log_event(logger, "tick", writer=sys.argv[2], seq=seq, text="卫生健康工作要点" * 3)
"""


def test_two_processes_share_the_rotating_file_without_losing_lines(data_dir: Path) -> None:
    config = _config(data_dir)
    count = 1500
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(data_dir), name, str(count), "16000", "1000"])
               for name in "ab"]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    files = sorted(log_path(config).parent.glob("planwatch.log*"))
    files = [path for path in files if not path.name.endswith(".lock")]
    assert len(files) > 5, "the file rotated several times"
    rotated = [path for path in files if path.name != "planwatch.log"]
    assert min(path.stat().st_size for path in rotated) > 16_000 - 500, "no file was rotated early"
    seen: dict[str, set[int]] = {"a": set(), "b": set()}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = dict(part.split("=", 1) for part in line.split(" ")[1:])
            assert fields["event"] == "tick", line
            seen[fields["writer"]].add(int(fields["seq"]))
    assert seen == {"a": set(range(count)), "b": set(range(count))}


def test_a_long_lived_process_follows_a_rotation_done_by_another(data_dir: Path) -> None:
    """The daemon idles while a manual crawl rotates the file (twice: the daemon's file is
    deleted): the daemon's next line joins the current file instead of rotating it early."""
    config = _config(data_dir)
    setup_logging(config, stderr=False, max_bytes=4000, backups=1)
    log_event(get_logger("daemon"), "daemon.started")
    writer = subprocess.run([sys.executable, "-c", _WRITER, str(data_dir), "crawl", "200", "4000", "1"], timeout=60)
    assert writer.returncode == 0
    log_event(get_logger("daemon"), "daemon.stopping")
    current = "\n".join(_lines(config))
    assert "event=daemon.stopping" in current
    assert "seq=199 " in current, "the daemon's late line did not rotate the crawl's fresh lines away"
