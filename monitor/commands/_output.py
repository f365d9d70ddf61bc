"""Output helpers shared by subcommands: JSON (Chinese kept) and tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["echo_json", "local_time", "print_table", "to_jsonable"]

# Piped output (files, grep, tests) is not wrapped at 80 columns.
_PIPE_WIDTH = 240


def to_jsonable(value: Any) -> Any:
    """Dates as ISO strings, enums as their values; everything else unchanged."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    return value


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON with Chinese text kept as is."""
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))


def local_time(moment: datetime | None, timezone: str) -> str:
    """A stored UTC time shown in the configured timezone ("" for None)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """A table that lines up Chinese text (wide characters) correctly."""
    table = Table(title=title, show_lines=False, header_style="bold")
    for header in headers:  # a narrow terminal wraps long cells onto more lines, never cuts them to "贵阳市…"
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console = Console(soft_wrap=False, highlight=False)
    if not console.is_terminal:
        console = Console(soft_wrap=False, highlight=False, width=_PIPE_WIDTH)
    console.print(table)
