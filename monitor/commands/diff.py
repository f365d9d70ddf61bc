"""``planwatch diff A [B]``: the text and target diff of stored versions or documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.context import AppContext, pass_app
from store.errors import InputError, NotFound

if TYPE_CHECKING:
    from sqlmodel import Session

    from monitor.commands._comparing import Side
    from store.models import Version

__all__ = ["command", "resolve_pair"]

_VERSION_REF = re.compile(r"^[vV](\d+)$")


def _version(session: Session, ref: str) -> Version | None:
    """``v12`` → version 12; a document id or URL → None (resolved as a document)."""
    from store.models import Version

    match = _VERSION_REF.match(ref.strip())
    if match is None:
        return None
    version = session.get(Version, int(match.group(1)))
    if version is None:
        raise NotFound(f"no version {ref!r} in the store", hint="`planwatch show DOC` lists a document's versions")
    return version


def _document_versions(session: Session, ref: str) -> list[Version]:
    from store.queries import document_by_ref, versions_of

    document = document_by_ref(session, ref)
    versions = list(versions_of(session, document.id or 0))
    if not versions:
        raise NotFound(f"document {ref!r} has no stored version yet")
    return versions


def resolve_pair(session: Session, a: str, b: str | None) -> tuple[Version, Version]:
    """The (older, newer) versions that ``A [B]`` name; see the command's help for the forms."""
    from monitor.analysis.lookups import previous_version

    if b is None:
        single = _version(session, a)
        if single is not None:
            before = previous_version(session, single)
            if before is None:
                raise InputError(f"{a} is the first version of its document; name a second one to compare with")
            return before, single
        versions = _document_versions(session, a)
        if len(versions) < 2:
            raise InputError(f"document {a!r} has one version only; name a second document or version to compare with")
        return versions[-2], versions[-1]
    old = _version(session, a) or _document_versions(session, a)[-1]
    new = _version(session, b) or _document_versions(session, b)[-1]
    return old, new


def _side(session: Session, version: Version) -> Side:
    """A stored version as a side: its stored targets when analysed, else extracted now."""
    from monitor.analysis.change_rows import target_from_row
    from monitor.analysis.lookups import targets_of
    from monitor.analysis.targets import extract_targets
    from monitor.commands._comparing import Side
    from store.models import Document
    from store.texts import get_text

    document = session.get(Document, version.document_id)
    assert document is not None
    text = get_text(session, version.text_hash)
    analysed = version.analysed_at is not None and version.analysis_error is None
    targets = ([target_from_row(row) for row in targets_of(session, version.id or 0)] if analysed
               else extract_targets(text, plan_year=document.plan_year))
    return Side(title=document.title or version.title, label=f"v{version.id} {document.url}",
                year=document.plan_year, text=text, targets=targets)


@click.command(name="diff")
@click.argument("a")
@click.argument("b", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the target rows as a JSON array (like compare --json).")
@click.option("--html", "html_out", type=click.Path(path_type=Path, dir_okay=False), metavar="OUT",
              help="Also write a standalone HTML page with the target table and the text diff.")
@pass_app
def command(app: AppContext, a: str, b: str | None, as_json: bool, html_out: Path | None) -> None:
    """Show what changed between two stored versions or documents (A is the older).

    \b
    A and B name what is stored:
      v12          version 12
      12           document 12 (its latest version)
      URL          the document at that URL (its latest version)
    \b
    With two arguments, the two versions they name. With one:
      a document   its last two versions (an edited page)
      a version    that version against the one before it

    \b
    Example:
      planwatch diff 12                      # the latest edit of document 12
      planwatch diff v40 v41 --html edit.html
      planwatch diff 7 12                    # last year's plan against this year's
    """
    from sqlmodel import Session

    from monitor.analysis.series import region_words
    from monitor.commands._comparing import compare_sides, output
    from store.models import Document

    with Session(app.engine(readonly=True)) as session:
        old, new = resolve_pair(session, a, b)
        document = session.get(Document, new.document_id)
        regions = region_words(document.region, document.agency) if document else []
        comparison = compare_sides(_side(session, old), _side(session, new), regions=regions)
    output(comparison, as_json=as_json, html_out=html_out)
