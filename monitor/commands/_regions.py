"""Region filters that match nothing stored: a likely typo (贵洲省 for 贵州省), said on stderr.

``subscribers add --region`` and ``feed --region`` accept any path, since a source may
not be crawled yet; but a path that matches no stored document or source gets a
warning with the nearest known regions, instead of a silent empty feed or digest.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import click
from sqlmodel import Session, select

from reports.filters import region_matches
from store.models import Document, Source

__all__ = ["known_regions", "warn_unmatched_regions"]

_NEAREST = 3
_CUTOFF = 0.5


def known_regions(session: Session) -> list[str]:
    """Every stored region path and its ancestors (贵州省, 贵州省/贵阳市, ...), sorted."""
    stored = set(session.exec(select(Source.region).distinct()).all())
    stored |= set(session.exec(select(Document.region).distinct()).all())
    paths: set[str] = set()
    for region in stored:
        parts = [part.strip() for part in region.strip("/").split("/") if part.strip()]
        paths.update("/".join(parts[: depth + 1]) for depth in range(len(parts)))
    return sorted(paths)


def warn_unmatched_regions(session: Session, wanted: Sequence[str]) -> list[str]:
    """Warn (stderr) for each wanted region no stored region falls under; returns those regions."""
    if not wanted:
        return []
    known = known_regions(session)
    unmatched = [region for region in wanted if not any(region_matches(region, path) for path in known)]
    for region in unmatched:
        nearest = difflib.get_close_matches(region.strip().strip("/"), known, n=_NEAREST, cutoff=_CUTOFF)
        if nearest:
            advice = f"did you mean {' or '.join(nearest)}?"
        elif known:
            advice = "a typo, or not crawled yet"
        else:
            advice = "nothing is stored yet"
        click.echo(f"warning: region {region} matches no stored document or source ({advice})", err=True)
    return unmatched
