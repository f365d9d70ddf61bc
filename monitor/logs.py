"""Structured logs: one event per line, to stderr and to a rotating file.

Every line is an event name plus fields, as ``key=value`` text (the default) or as a
JSON object (``log_format = "json"``), Chinese kept as is::

    2026-11-24T06:00:03+08:00 level=info logger=planwatch.jobs event=crawl.finished source=gy-wjw status=ok new_versions=2

The file is ``<data_dir>/logs/planwatch.log``, rotated at :data:`MAX_BYTES` with
:data:`BACKUPS` old files kept. The daemon, its crawl children and a manual
``planwatch crawl`` all append to it at once, so rotation is done under a file lock
and a process whose file was rotated away by another reopens the new one: no line is
lost, and each line is written and flushed at once (the file is opened for appending).

Secrets never reach a log line: the value of every secret setting and the password of
any URL are replaced by ``***`` before a line is formatted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from filelock import FileLock

from store.settings import SETTINGS, Config

__all__ = [
    "BACKUPS",
    "FORMATS",
    "MAX_BYTES",
    "EventFormatter",
    "RedactSecrets",
    "SharedRotatingFileHandler",
    "get_logger",
    "log_event",
    "log_path",
    "setup_logging",
]

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
_FIELDS_ATTR = "planwatch_fields"
_OURS_ATTR = "_planwatch_handler"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]+:)(?P<secret>[^@\s/]+)(?=@)", re.I)
_BARE = re.compile(r"^[^\s=\"]+$")
# Loggers of libraries that talk too much at INFO; their warnings still come through.
# APScheduler's job errors, misses and skips are logged as planwatch events by the daemon.
_QUIET = {"apscheduler": logging.WARNING, "apscheduler.executors": logging.CRITICAL,
          "apscheduler.scheduler": logging.ERROR, "alembic": logging.WARNING,
          "aiosmtpd": logging.WARNING, "mail.log": logging.WARNING}


def get_logger(name: str) -> logging.Logger:
    """The logger ``planwatch.<name>``: every planwatch event goes through one of these."""
    return logging.getLogger(f"planwatch.{name}")


def log_event(
    logger: logging.Logger, event: str, level: int = logging.INFO, *, exc_info: bool = False, **fields: Any
) -> None:
    """Log ``event`` with ``fields`` as separate keys (not pasted into a message string).

    ``exc_info=True`` inside an ``except`` block adds the traceback (on the same line).
    """
    logger.log(level, event, exc_info=exc_info, extra={_FIELDS_ATTR: fields}, stacklevel=2)


def log_path(config: Config) -> Path:
    """Where the rotating log file lives: ``<data_dir>/logs/planwatch.log``."""
    return config.data_dir / "logs" / "planwatch.log"


class RedactSecrets(logging.Filter):
    """Replace secret setting values and URL passwords with ``***`` in every record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _URL_PASSWORD.sub(r"\g<head>***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        fields = getattr(record, _FIELDS_ATTR, None)
        if fields:
            setattr(record, _FIELDS_ATTR, {key: self._clean(value) for key, value in fields.items()})
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True

    def _clean(self, value: Any) -> Any:
        return self.redact(value) if isinstance(value, str) else value


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(item, str | int | float) for item in value):
        return ",".join(str(item) for item in value)  # due=fixture-gy,fixture-sn
    return json.dumps(value, ensure_ascii=False, default=str)


def _quote(value: Any) -> str:
    text = _plain(value)
    if text and _BARE.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)


class EventFormatter(logging.Formatter):
    """One line per record, ``key=value`` (``style="kv"``) or a JSON object (``"json"``)."""

    def __init__(self, style: str = "kv", timezone: str = "Asia/Shanghai") -> None:
        super().__init__()
        if style not in FORMATS:
            raise ValueError(f"log format must be one of {', '.join(FORMATS)}, got {style!r}")
        self._line_style = style
        self._zone = ZoneInfo(timezone)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The record as ordered fields: time, level, logger, event, then the event's own."""
        when = datetime.fromtimestamp(record.created, self._zone).isoformat(timespec="seconds")
        out: dict[str, Any] = {"ts": when, "level": record.levelname.lower(), "logger": record.name,
                               "pid": record.process, "event": record.getMessage()}
        out.update(getattr(record, _FIELDS_ATTR, None) or {})
        error = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else "")
        if error:
            out["traceback"] = error
        return out

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        if self._line_style == "json":
            return json.dumps(fields, ensure_ascii=False, default=str)
        head = str(fields.pop("ts"))
        return head + " " + " ".join(f"{key}={_quote(value)}" for key, value in fields.items())


FORMATS = ("kv", "json")


class SharedRotatingFileHandler(RotatingFileHandler):
    """A rotating file several processes append to: rotation under a lock, reopen after it."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
        self._rotation_lock = FileLock(str(path) + ".lock")

    def _rotated_away(self) -> bool:
        if self.stream is None:
            return False
        try:
            return os.stat(self.baseFilename).st_ino != os.fstat(self.stream.fileno()).st_ino
        except FileNotFoundError:
            return True

    def _reopen_if_rotated(self) -> None:
        if self.stream is not None and self._rotated_away():
            self.stream.close()
            self.stream = self._open()

    def shouldRollover(self, record: logging.LogRecord) -> int:
        self._reopen_if_rotated()
        return super().shouldRollover(record)

    def doRollover(self) -> None:
        with self._rotation_lock:
            self._reopen_if_rotated()  # another process may have rotated meanwhile
            if os.path.exists(self.baseFilename) and os.path.getsize(self.baseFilename) < self.maxBytes:
                return
            super().doRollover()


def _secrets(config: Config) -> list[str]:
    return [str(config.values[s.name]) for s in SETTINGS if s.secret and config.values.get(s.name)]


def _remove_our_handlers(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if getattr(handler, _OURS_ATTR, False):
            root.removeHandler(handler)
            handler.close()


def setup_logging(
    config: Config,
    *,
    stderr: bool = True,
    stderr_level: int | str | None = None,
    stderr_quiet: tuple[str, ...] = (),
    to_file: bool = True,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> logging.Logger:
    """Send every log record (ours, Scrapy's, APScheduler's) to stderr and the rotating file.

    Safe to call again (a child process, a test): planwatch's handlers are replaced,
    never added twice. ``stderr_level`` raises the bar for stderr only (``run --once``
    shows warnings there and keeps the rest for the file); loggers named in ``stderr_quiet``
    (and their children) go to the file only, e.g. Scrapy's per-page errors that
    ``planwatch crawl``'s table already counts. Returns the ``planwatch`` logger.
    """
    root = logging.getLogger()
    _remove_our_handlers(root)
    formatter = EventFormatter(str(config["log_format"]), str(config["timezone"]))
    redact = RedactSecrets(_secrets(config))
    handlers: list[logging.Handler] = []
    if stderr:
        console = logging.StreamHandler(sys.stderr)
        if stderr_level is not None:
            console.setLevel(stderr_level)
        if stderr_quiet:
            console.addFilter(lambda record: not record.name.startswith(stderr_quiet))
        handlers.append(console)
    if to_file:
        config.ensure_data_dir()  # one ConfigError line naming data_dir, not a mkdir traceback
        handlers.append(SharedRotatingFileHandler(log_path(config), max_bytes, backups))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(redact)
        setattr(handler, _OURS_ATTR, True)
        root.addHandler(handler)
    root.setLevel(str(config["log_level"]))
    for name, level in _QUIET.items():
        logging.getLogger(name).setLevel(max(level, root.level))
    return logging.getLogger("planwatch")
