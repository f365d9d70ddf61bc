"""``planwatch compare FILE_A FILE_B``: what changed between two plans given as files."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command", "read_side"]


def read_side(path: Path) -> object:
    """A file as one side of a comparison: title, plan year, text and targets."""
    from monitor.analysis.planmeta import detect_plan_year, title_from_text
    from monitor.analysis.targets import extract_targets
    from monitor.commands._comparing import Side
    from monitor.inputs import read_input_file

    document = read_input_file(path)
    title = document.title if document.is_html else title_from_text(document.text)
    year = detect_plan_year(title, document.text, document.published_on)
    return Side(title=title, label=str(path), year=year, text=document.text,
                targets=extract_targets(document.text, plan_year=year))


@click.command(name="compare")
@click.argument("file_a", type=click.Path(path_type=Path))
@click.argument("file_b", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON array: {"change", "indicator", "old", "new", "summary"} per target.')
@click.option("--html", "html_out", type=click.Path(path_type=Path, dir_okay=False), metavar="OUT",
              help="Also write a standalone HTML page with the target table and the text diff.")
def command(file_a: Path, file_b: Path, as_json: bool, html_out: Path | None) -> None:
    """Compare two plans: targets added, removed, raised, lowered, unchanged, and the text.

    FILE_A is the older plan, FILE_B the newer; each is a saved HTML page or a text file
    (UTF-8 or GBK). Targets are paired by indicator (region words and cue verbs such as
    达到/提高到 ignored, units must be compatible). "raised" means more ambitious: for a
    ceiling such as a death rate the summary says "tightened (lower is better)".
    View counters, dates and other page noise are not changes.

    \b
    Example:
      planwatch compare 2024年工作要点.html 2025年工作要点.html
      planwatch compare old.txt new.txt --json
      planwatch compare a.html b.html --html compare.html
    """
    from monitor.commands._comparing import Side, compare_sides, output

    old, new = read_side(file_a), read_side(file_b)
    assert isinstance(old, Side) and isinstance(new, Side)
    output(compare_sides(old, new), as_json=as_json, html_out=html_out)
