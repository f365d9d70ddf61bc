"""Full-text search over every stored version, for Chinese text, on SQLite and PostgreSQL.

Chinese has no spaces, so word tokenizers find nothing; both backends
(:mod:`store.search_backends`) index character **trigrams** instead, one row per
version (title + text) in a table of its own, ``fts_versions`` (``store.migrate``
leaves ``fts_*`` tables alone):

- SQLite: an FTS5 virtual table with the ``trigram`` tokenizer; rowid = version id.
- PostgreSQL: a plain table with a GIN ``gin_trgm_ops`` index (extension ``pg_trgm``),
  queried with ``ILIKE``, which the trigram index serves.

A query is split on whitespace into terms that must all occur. Trigram indexes cannot
look up terms shorter than three characters (床位, 医保 are common), so those terms are
matched with ``LIKE`` over the indexed text instead: a scan, newest versions first,
that stops as soon as one page of documents is full.

Results are documents (newest matching version first, one hit per document) with a
snippet as segments ``(text, is_hit)``: templates escape every segment and wrap hits
in ``<mark>``; no markup is ever built from scraped text.

Indexing is explicit: :func:`index_pending` adds versions not yet indexed (the
analysis pipeline calls it after analysing, ``planwatch serve`` at start-up). It
creates the table on first use, idempotently. Readers on a read-only engine never
write: a missing table just means an empty index.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from store.models import Blob, Version
from store.search_backends import (
    BACKENDS,
    INDEX_TABLE,
    MIN_TRIGRAM_TERM,
    SearchBackend,
    backend_for,
)

__all__ = [
    "BACKENDS",
    "CANDIDATE_LIMIT",
    "INDEX_TABLE",
    "MIN_TRIGRAM_TERM",
    "IndexStatus",
    "SearchBackend",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "Segment",
    "backend_for",
    "ensure_index",
    "index_pending",
    "index_status",
    "make_snippet",
    "parse_query",
    "search",
]

log = logging.getLogger(__name__)

SNIPPET_CONTEXT = 40  # characters shown before and after the first hit
MAX_TERMS = 8
_BATCH = 500
_CHUNK = 500  # candidate versions checked per query
# A filter leaving at most this many versions is searched by reading those versions'
# texts (fast when the filter is narrow, whatever the term); a broader one by walking
# the term's matches newest first and checking each one's document.
CANDIDATE_LIMIT = 5000
# Private-use characters never shown to people; removed from indexed text so that
# nothing scraped can look like our own markup.
_PRIVATE = re.compile("[\ue000-\uf8ff]")

Segment = tuple[str, bool]


@dataclass(frozen=True)
class SearchFilters:
    """Document filters applied together with the text query (None = any)."""

    region: str | None = None
    year: int | None = None
    source_id: str | None = None
    doc_type: str | None = None

    def where(self) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions over ``d`` (the document table) and their parameters."""
        conditions, params = [], {}
        for column, name in (("region", "region"), ("plan_year", "year"), ("source_id", "source_id"), ("doc_type", "doc_type")):
            value = getattr(self, name)
            if value not in (None, ""):
                conditions.append(f"d.{column} = :f_{name}")
                params[f"f_{name}"] = value
        return conditions, params


@dataclass(frozen=True)
class SearchHit:
    """One matching document: the newest version that matched and a highlighted snippet."""

    document_id: int
    version_id: int
    snippet: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class SearchPage:
    """One page of results; ``has_next`` instead of a total (counting common terms is slow)."""

    query: str
    terms: tuple[str, ...]
    hits: list[SearchHit] = field(default_factory=list)
    page: int = 1
    per_page: int = 20
    has_next: bool = False
    fallback: bool = False  # some term was shorter than a trigram: LIKE scan
    index_ready: bool = True


def parse_query(query: str) -> tuple[str, ...]:
    """The distinct terms of a query (whitespace separates; quotes are just characters)."""
    terms = [_PRIVATE.sub("", part) for part in query.split()]
    return tuple(dict.fromkeys(term for term in terms if term))[:MAX_TERMS]


def ensure_index(connection: Connection) -> None:
    """Create the index table (and extension) if missing; safe to call every time."""
    backend_for(connection).create(connection)


def _indexed_text(title: str, body: str) -> str:
    return _PRIVATE.sub("", f"{title}\n{body}" if title else body)


def _texts(session: Session, versions: Sequence[Version]) -> dict[int, str]:
    """Version id → text, the batch's blobs read in one query; a damaged blob gives ""
    (logged) so its version is indexed by title and not retried forever."""
    hashes = {version.text_hash for version in versions}
    rows = session.exec(select(Blob.hash, Blob.data).where(col(Blob.hash).in_(hashes))).all()
    blobs = dict(rows)
    texts: dict[int, str] = {}
    for version in versions:
        try:
            texts[int(version.id or 0)] = zlib.decompress(blobs[version.text_hash]).decode("utf-8")
        except (KeyError, zlib.error, UnicodeDecodeError) as exc:
            log.warning("search index: text of version %s is unreadable (%r); indexing its title only", version.id, exc)
            texts[int(version.id or 0)] = ""
    return texts


def index_pending(session: Session, *, limit: int | None = None) -> int:
    """Index every version not indexed yet (at most ``limit``); returns how many.

    Runs in the caller's transaction, so a crawl's versions and their index rows
    commit together.
    """
    connection = session.connection()
    backend = backend_for(connection)
    first_load = backend.is_empty(connection)
    backend.create(connection, indexes=not first_load)  # a GIN index is built faster once, after loading
    done, after = 0, 0
    while limit is None or done < limit:
        batch = _BATCH if limit is None else min(_BATCH, limit - done)
        ids = [int(row[0]) for row in connection.execute(text(backend.pending_sql()), {"limit": batch, "after": after})]
        if not ids:
            break
        after = ids[-1]  # one pass over the versions, not one per batch
        versions = session.exec(select(Version).where(col(Version.id).in_(ids))).all()
        texts = _texts(session, versions)
        rows = [
            {"version_id": v.id, "document_id": v.document_id, "body": _indexed_text(v.title, texts[int(v.id or 0)])}
            for v in versions
        ]
        backend.insert(connection, rows)
        done += len(rows)
    if first_load:
        backend.create(connection)
    return done


@dataclass(frozen=True)
class IndexStatus:
    """How far the index has got: cheap to ask on every page (no counting of the index)."""

    ready: bool  # the index table exists
    indexed_through: int  # the highest indexed version id (0 when none)
    behind: int  # versions stored after it, not yet searchable


def index_status(session: Session) -> IndexStatus:
    """Where the index stands, for the archive's "index is behind" notice."""
    connection = session.connection()
    backend = backend_for(connection)
    ready = backend.exists(connection)
    through = 0
    if ready:
        latest = f"SELECT {backend.key} FROM {INDEX_TABLE} ORDER BY {backend.key} DESC LIMIT 1"
        through = int(connection.execute(text(latest)).scalar() or 0)
    behind = int(connection.execute(text("SELECT count(*) FROM version WHERE id > :id"), {"id": through}).scalar() or 0)
    return IndexStatus(ready, through, behind)


def _candidates(connection: Connection, filters: SearchFilters) -> list[int] | None:
    """Versions of the documents a narrow filter allows, newest first; None for broad filters."""
    conditions, params = filters.where()
    if not conditions:
        return None
    statement = (f"SELECT v.id FROM version v JOIN document d ON d.id = v.document_id WHERE {' AND '.join(conditions)} "
                 "ORDER BY v.id DESC LIMIT :cap")
    ids = [int(row[0]) for row in connection.execute(text(statement), {**params, "cap": CANDIDATE_LIMIT + 1})]
    return None if len(ids) > CANDIDATE_LIMIT else ids


def _check_candidates(connection: Connection, backend: SearchBackend, terms: Sequence[str],
                      ids: list[int]) -> Generator[tuple[int, int], None, None]:
    """Filter-driven: read the few candidate versions' texts, newest first, in chunks."""
    params: dict[str, Any] = {}
    checks = " AND ".join(backend.check_sql(terms, params))
    key = f"f.{backend.key}"
    statement = text(f"SELECT {key}, f.document_id FROM {INDEX_TABLE} f WHERE {key} IN :ids AND {checks} ORDER BY {key} DESC")
    statement = statement.bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(ids), _CHUNK):
        for row in connection.execute(statement, {**params, "ids": ids[start:start + _CHUNK]}):
            yield int(row[0]), int(row[1])


def _first_documents(rows: Generator[tuple[int, int], None, None], wanted: int) -> list[tuple[int, int]]:
    """The first ``wanted`` distinct documents (newest matching version of each)."""
    seen: dict[int, int] = {}
    with closing(rows):
        for version_id, document_id in rows:
            if document_id not in seen:
                seen[document_id] = version_id
                if len(seen) >= wanted:
                    break
    return [(version_id, document_id) for document_id, version_id in seen.items()]


def search(session: Session, query: str, filters: SearchFilters | None = None, *, page: int = 1, per_page: int = 20) -> SearchPage:
    """Documents whose versions contain every term of ``query``, newest first, one page."""
    terms = parse_query(query)
    page, per_page = max(page, 1), max(per_page, 1)
    fallback = any(len(term) < MIN_TRIGRAM_TERM for term in terms)
    connection = session.connection()
    backend = backend_for(connection)
    if not terms:
        return SearchPage(query, terms, page=page, per_page=per_page)
    if not backend.exists(connection):
        return SearchPage(query, terms, page=page, per_page=per_page, fallback=fallback, index_ready=False)
    filters = filters or SearchFilters()
    candidates = _candidates(connection, filters)
    if candidates is None:
        rows = backend.matches(connection, terms, filters.where())
    else:
        rows = _check_candidates(connection, backend, terms, candidates)
    start = (page - 1) * per_page
    found = _first_documents(rows, start + per_page + 1)
    chosen = found[start:start + per_page]
    bodies = _bodies(connection, backend, [version_id for version_id, _ in chosen])
    hits = [
        SearchHit(document_id, version_id, make_snippet(bodies.get(version_id, ""), terms))
        for version_id, document_id in chosen
    ]
    return SearchPage(query, terms, hits, page, per_page, len(found) > start + per_page, fallback)


def _bodies(connection: Connection, backend: SearchBackend, version_ids: list[int]) -> dict[int, str]:
    """The indexed texts of a page's hits, in one query."""
    if not version_ids:
        return {}
    key = f"f.{backend.key}"
    statement = text(f"SELECT {key}, f.body FROM {INDEX_TABLE} f WHERE {key} IN :ids").bindparams(bindparam("ids", expanding=True))
    return {int(row[0]): str(row[1]) for row in connection.execute(statement, {"ids": version_ids})}


def make_snippet(body: str, terms: Sequence[str], context: int = SNIPPET_CONTEXT) -> tuple[Segment, ...]:
    """A window of ``body`` around the first hit, with every term occurrence marked.

    Matching ignores ASCII case like the indexes do. Returns ``(text, is_hit)`` pairs;
    "…" marks cut ends. Whitespace runs become one space so a snippet reads as one line.
    """
    flat = re.sub(r"\s+", " ", body).strip()
    if not terms:
        return ((flat[: context * 2], False),) if flat else ()
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I)
    first = pattern.search(flat)
    if first is None:
        return ((flat[: context * 2] + ("…" if len(flat) > context * 2 else ""), False),)
    start, end = max(first.start() - context, 0), min(first.end() + context * 2, len(flat))
    window = flat[start:end]
    segments: list[Segment] = [("…", False)] if start > 0 else []
    cursor = 0
    for match in pattern.finditer(window):
        if match.start() > cursor:
            segments.append((window[cursor:match.start()], False))
        segments.append((match.group(0), True))
        cursor = match.end()
    if cursor < len(window):
        segments.append((window[cursor:], False))
    if end < len(flat):
        segments.append(("…", False))
    return tuple(segments)
