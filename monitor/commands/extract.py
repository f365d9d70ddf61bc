"""``planwatch extract FILE``: the targets and actuals of one plan page or text file."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.commands._output import echo_json, print_table

__all__ = ["command", "format_value"]


def format_value(value: float, value_max: float | None, unit: str, symbol: str) -> str:
    """≥7.86张, 3–5家, 18200人: the way a reader writes a target."""

    def number(x: float) -> str:
        return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:.6g}" if abs(x) >= 1e6 else str(x)

    if value_max is not None:
        return f"{number(value)}–{number(value_max)}{unit}"
    return f"{symbol}{number(value)}{unit}"


@click.command(name="extract")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (one object per target).")
@click.option("--year", type=click.IntRange(1949, 2100), default=None,
              help="The plan's year (年内 and undated items take it). Default: read from the title and text.")
def command(file: Path, as_json: bool, year: int | None) -> None:
    """Extract the quantitative targets (and reported actuals) of one plan.

    FILE is a saved HTML page or a plain text file (UTF-8 or GBK); page chrome in
    a text file (navigation, 打印 关闭, footers) is ignored.

    \b
    Example:
      planwatch extract 2023年工作要点.html
      planwatch extract plan.txt --json --year 2022
    """
    from monitor.analysis.planmeta import detect_plan_year, title_from_text
    from monitor.analysis.targets import extract_targets
    from monitor.inputs import read_input_file

    document = read_input_file(file)
    if year is None and document.is_html:
        year = detect_plan_year(document.title, document.text, document.published_on)
    targets = extract_targets(document.text, plan_year=year, title=document.title if document.is_html else None)
    title = document.title if document.is_html else title_from_text(document.text)
    if as_json:
        echo_json([target.to_json() for target in targets])
        return
    print_table(
        ["#", "indicator", "target", "deadline", "kind", "section", "responsible"],
        [
            (index, t.indicator, format_value(t.value, t.value_max, t.unit, t.cmp.symbol), t.deadline or "",
             t.kind.value, t.section, t.responsible or "")
            for index, t in enumerate(targets, start=1)
        ],
        title=f"{len(targets)} targets in {title or file.name}",
    )
