"""The one Jinja2 environment: autoescape on, StrictUndefined, shared filters.

Scraped text reaches templates as plain strings and is escaped on output; the only
markup allowed through is what our own templates produce. Never build HTML in Python
strings: write a template (partials are named ``_x.html``) and render it here.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from store.kinds import Comparator

__all__ = ["environment", "format_value", "render"]

DEFAULT_TIMEZONE = "Asia/Shanghai"


def format_value(value: float | None, value_max: float | None = None, unit: str = "", cmp: str = "=") -> str:
    """A target the way a person writes it: ≥7.86张, 3–5家, +2百分点."""
    if value is None:
        return ""
    number = f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"
    if value_max is not None:
        number = f"{number}–{value_max:g}"
    try:
        symbol = Comparator(cmp).symbol
    except ValueError:
        symbol = ""
    return f"{symbol}{number}{unit}"


def _local(moment: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M", timezone: str = DEFAULT_TIMEZONE) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(ZoneInfo(timezone)).strftime(fmt)
    return moment.strftime("%Y-%m-%d")


def _target(target: Any) -> str:
    """Render a target-like mapping or object with format_value."""
    get = target.get if isinstance(target, dict) else lambda key, default=None: getattr(target, key, default)
    return format_value(get("value"), get("value_max"), get("unit", "") or "", get("cmp", "=") or "=")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "svg"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local
    env.filters["target"] = _target
    env.filters["value"] = format_value
    return env


def render(template: str, **context: Any) -> str:
    """Render one template of ``reports/templates`` with ``context``."""
    return environment().get_template(template).render(**context)
