"""The sources config: which government sites to watch and how to read them.

A TOML file of ``[[sources]]`` tables, validated on load. A mistake gets one message
naming the file, the source and the field::

    sources.toml: source 'gy-wjw': field 'start_urls': must hold at least one URL

Selectors are CSS by default; a value starting with ``/`` or ``(`` is XPath.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from store.errors import ConfigError

__all__ = ["DEFAULT_TITLE_FILTER", "Selectors", "SourceConfig", "SourcesFile", "load_sources", "parse_sources"]

DEFAULT_TITLE_FILTER = r"工作要点|工作计划|工作安排|实施方案|规划|要点|工作总结|工作回顾"

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Selectors(BaseModel):
    """Optional per-site overrides; CSS unless the expression starts with / or (."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    date: str | None = None
    agency: str | None = None
    body: str | None = None
    next_page: str | None = None
    detail_links: str | None = None


def _check_cron(expression: str) -> str:
    from store.cron import crontab_trigger

    try:
        crontab_trigger(expression)
    except ValueError as exc:
        raise ValueError(f"not a cron expression ({exc}); e.g. '0 6 * * *'") from exc
    return expression


class SourceConfig(BaseModel):
    """One watched site section (a 栏目 of a health commission or government site)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1)
    agency: str = Field(min_length=1, description="发布机构, e.g. 贵阳市卫生健康局")
    region: str = Field(min_length=1, description="province/city/county, e.g. 贵州省/贵阳市")
    start_urls: Annotated[list[str], Field(min_length=1)]
    allowed_domains: list[str] = Field(default_factory=list)
    title_filter: str = DEFAULT_TITLE_FILTER
    selectors: Selectors = Field(default_factory=Selectors)
    max_pages: int = Field(default=50, ge=1, le=10_000)
    schedule: str | None = None
    enabled: bool = True
    attachments: bool = True
    encoding: str | None = None
    verified: bool = True
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("use lower-case letters, digits, - and _ (at most 64)")
        return value

    @field_validator("start_urls")
    @classmethod
    def _urls_are_http(cls, urls: list[str]) -> list[str]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    @field_validator("title_filter")
    @classmethod
    def _filter_compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return pattern

    @field_validator("schedule")
    @classmethod
    def _schedule_is_cron(cls, value: str | None) -> str | None:
        return None if value is None else _check_cron(value)

    @model_validator(mode="after")
    def _default_domains(self) -> SourceConfig:
        if not self.allowed_domains:
            self.allowed_domains = sorted({urlsplit(url).hostname or "" for url in self.start_urls})
        return self

    @property
    def region_parts(self) -> list[str]:
        return [part for part in self.region.split("/") if part]


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceConfig] = Field(default_factory=list)


_MESSAGES = {"missing": "required, but not given", "extra_forbidden": "unknown field"}


def _fields_at(location: list[Any]) -> list[str]:
    """The field names valid where an unknown key was found (top level, a source, its selectors)."""
    model: type[BaseModel] = SourcesFile if len(location) == 1 else SourceConfig
    if location[-2:-1] == ["selectors"]:
        model = Selectors
    return list(model.model_fields)


def _unknown_field(location: list[Any]) -> str:
    name = str(location[-1])
    near = difflib.get_close_matches(name, _fields_at(location), n=1, cutoff=0.6)
    if len(location) == 1:
        return f"unknown table [[{name}]]" + (f"; did you mean [[{near[0]}]]?" if near else "; sources go in [[sources]] tables")
    return "unknown field" + (f"; did you mean {near[0]!r}?" if near else f"; valid: {', '.join(_fields_at(location))}")


def _describe(error: Any, raw: dict[str, Any]) -> tuple[str | None, str | None, str]:
    location = list(error.get("loc", ()))
    kind = error.get("type")
    message = _unknown_field(location) if kind == "extra_forbidden" else _MESSAGES.get(kind, str(error.get("msg", "invalid")))
    message = message.removeprefix("Value error, ")
    if len(location) == 1 and kind == "extra_forbidden":
        return None, None, message
    source_id = None
    if len(location) >= 2 and location[0] == "sources" and isinstance(location[1], int):
        entries = raw.get("sources") or []
        entry = entries[location[1]] if location[1] < len(entries) else {}
        source_id = entry.get("id") if isinstance(entry, dict) else None
        source_id = source_id or f"#{location[1] + 1}"
        location = location[2:]
    field_name = ".".join(str(part) for part in location) or None
    return source_id, field_name, message


def _validation_error(exc: ValidationError, raw: dict[str, Any], origin: str) -> ConfigError:
    """Every problem pydantic found: one line each, in the order of the file."""
    problems = [_describe(error, raw) for error in exc.errors()]
    if len(problems) == 1:
        source_id, field_name, message = problems[0]
        return ConfigError(message, path=origin, source_id=source_id, field=field_name)
    lines = tuple(str(ConfigError(message, source_id=source_id, field=field_name))
                  for source_id, field_name, message in problems)
    return ConfigError(f"{len(problems)} problems", path=origin, details=lines)


def parse_sources(raw: dict[str, Any], origin: str = "sources config") -> list[SourceConfig]:
    """Validate a parsed TOML document; ConfigError names the source and field of every problem."""
    try:
        parsed = SourcesFile.model_validate(raw)
    except ValidationError as exc:
        raise _validation_error(exc, raw, origin) from exc
    seen: set[str] = set()
    for source in parsed.sources:
        if source.id in seen:
            raise ConfigError("this id is used twice", path=origin, source_id=source.id, field="id")
        seen.add(source.id)
    return parsed.sources


def load_sources(path: Path) -> list[SourceConfig]:
    """Read and validate the sources file at ``path``."""
    if not path.is_file():
        raise ConfigError(
            f"sources file {path} does not exist",
            hint="copy deploy/sources.example.toml to ./sources.toml, or set PLANWATCH_SOURCES_FILE",
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from exc
    return parse_sources(raw, origin=str(path))
