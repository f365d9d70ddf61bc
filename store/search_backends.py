"""The full-text index's storage, one backend per database dialect (see :mod:`store.search`).

- SQLite: an FTS5 virtual table with the ``trigram`` tokenizer; rowid = version id;
  ``MATCH`` for terms of three characters or more, ``LIKE`` for shorter ones.
- PostgreSQL: a plain table with a GIN ``gin_trgm_ops`` index (extension ``pg_trgm``,
  trusted since PostgreSQL 13, so the database owner may create it), queried with
  ``LIKE`` (``ILIKE`` for Latin letters), which the trigram index serves for terms of
  three characters or more; see :class:`PostgresBackend` for the two search phases.

Backends register themselves by dialect name (:data:`BACKENDS`); an unknown database
is a config error naming the supported ones.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from contextlib import closing
from typing import Any, ClassVar

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from store.errors import ConfigError

__all__ = [
    "BACKENDS",
    "INDEX_TABLE",
    "MIN_TRIGRAM_TERM",
    "PROBE_ROWS",
    "FilterSQL",
    "PostgresBackend",
    "SQLiteBackend",
    "SearchBackend",
    "backend_for",
    "like_pattern",
    "stream",
]

INDEX_TABLE = "fts_versions"
MIN_TRIGRAM_TERM = 3  # shorter terms cannot use a trigram index: LIKE fallback
_STREAM_CHUNK = 200
# PostgreSQL: newest versions read one by one before the trigram index takes over.
PROBE_ROWS = 1000
_LATIN = re.compile("[A-Za-z]")

FilterSQL = tuple[list[str], dict[str, Any]]  # conditions over d (document) and their parameters


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


BACKENDS: dict[str, SearchBackend] = {}


class SearchBackend:
    """One database's way to store and query the index; registered by dialect name."""

    dialect: ClassVar[str] = ""
    key: ClassVar[str] = "version_id"  # the index table's column holding the version id
    like_operator: ClassVar[str] = "f.body LIKE"  # SQLite: case-insensitive for ASCII, like FTS5

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.dialect:
            BACKENDS[cls.dialect] = cls()

    def exists(self, connection: Connection) -> bool:
        raise NotImplementedError

    def create(self, connection: Connection, *, indexes: bool = True) -> None:
        """Create the index table; ``indexes=False`` leaves secondary indexes for later
        (a first load of a large archive builds them once, after the rows are in)."""
        raise NotImplementedError

    def is_empty(self, connection: Connection) -> bool:
        """True when the index table is missing or holds no row."""
        if not self.exists(connection):
            return True
        return connection.execute(text(f"SELECT 1 FROM {INDEX_TABLE} LIMIT 1")).first() is None

    def pending_sql(self) -> str:
        """Ids above :after of versions not yet indexed, oldest first, at most :limit."""
        return (
            f"SELECT v.id FROM version v WHERE v.id > :after AND NOT EXISTS (SELECT 1 FROM {INDEX_TABLE} f "
            f"WHERE f.{self.key} = v.id) ORDER BY v.id LIMIT :limit"
        )

    def insert(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        raise NotImplementedError

    def match_sql(self, terms: Sequence[str], params: dict[str, Any]) -> list[str]:
        """Conditions over ``f`` that all ``terms`` occur; fills ``params``."""
        raise NotImplementedError

    def check_sql(self, terms: Sequence[str], params: dict[str, Any]) -> list[str]:
        """Conditions over ``f`` reading the stored text itself (for a few candidate rows)."""
        conditions = []
        for number, term in enumerate(terms):
            params[f"check{number}"] = like_pattern(term)
            conditions.append(f"{self.like_operator} :check{number} ESCAPE '\\'")
        return conditions

    def term_statement(self, terms: Sequence[str], filters: FilterSQL, extra: Sequence[str] = ()) -> str:
        """Term-driven: every match (index lookups), filtered by document, newest first."""
        conditions = [*self.match_sql(terms, filters[1]), *extra]
        # CROSS JOIN: SQLite then walks the matches first (PostgreSQL plans it as a join)
        join = " CROSS JOIN document d" if filters[0] else ""
        if filters[0]:
            conditions += ["d.id = f.document_id", *filters[0]]
        key = f"f.{self.key}"
        return f"SELECT {key}, f.document_id FROM {INDEX_TABLE} f{join} WHERE {' AND '.join(conditions)} ORDER BY {key} DESC"

    def matches(self, connection: Connection, terms: Sequence[str], filters: FilterSQL) -> Generator[tuple[int, int], None, None]:
        """(version id, document id) of every version holding all ``terms`` and passing
        ``filters`` (conditions over ``d``, the document, and their parameters), newest
        first, fetched lazily so a caller that has enough stops the query."""
        params = dict(filters[1])
        statement = self.term_statement(terms, (filters[0], params))
        for row in stream(connection, statement, params):
            yield int(row[0]), int(row[1])


def stream(connection: Connection, statement: str, params: dict[str, Any]) -> Generator[Any, None, None]:
    """Rows of ``statement`` fetched in chunks (a server-side cursor on PostgreSQL)."""
    result = connection.execution_options(stream_results=True).execute(text(statement), params)
    try:
        while chunk := result.fetchmany(_STREAM_CHUNK):
            yield from chunk
    finally:
        result.close()


class SQLiteBackend(SearchBackend):
    """FTS5 with the trigram tokenizer (SQLite ≥ 3.34); MATCH for long terms, LIKE for short."""

    dialect = "sqlite"
    key = "rowid"

    def pending_sql(self) -> str:
        # FTS5 keeps one row per indexed rowid in its documented shadow table
        # <name>_docsize(id, sz): a plain b-tree lookup, ~30 times faster than asking
        # the virtual table for a rowid (7 s → 0.2 s over 100,000 versions).
        return (
            f"SELECT v.id FROM version v WHERE v.id > :after AND NOT EXISTS (SELECT 1 FROM {INDEX_TABLE}_docsize f "
            "WHERE f.id = v.id) ORDER BY v.id LIMIT :limit"
        )

    def exists(self, connection: Connection) -> bool:
        found = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": INDEX_TABLE}
        ).first()
        return found is not None

    def create(self, connection: Connection, *, indexes: bool = True) -> None:
        connection.execute(text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX_TABLE} USING fts5("
            "body, document_id UNINDEXED, tokenize = 'trigram')"
        ))

    def insert(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        connection.execute(
            text(f"INSERT INTO {INDEX_TABLE} (rowid, body, document_id) VALUES (:version_id, :body, :document_id)"),
            list(rows),
        )

    def match_sql(self, terms: Sequence[str], params: dict[str, Any]) -> list[str]:
        conditions = []
        long_terms = [term for term in terms if len(term) >= MIN_TRIGRAM_TERM]
        if long_terms:
            params["match"] = " ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
            conditions.append(f"{INDEX_TABLE} MATCH :match")
        for number, term in enumerate(t for t in terms if len(t) < MIN_TRIGRAM_TERM):
            params[f"like{number}"] = like_pattern(term)
            conditions.append(f"f.body LIKE :like{number} ESCAPE '\\'")
        return conditions


class PostgresBackend(SearchBackend):
    """pg_trgm: a GIN trigram index answers LIKE '%term%' for terms of 3+ characters.

    The index is lossy: every candidate row's text is read again (the "recheck"), so a
    term found in most versions would mean reading every text. Matches are therefore
    sought in two phases: first the newest versions one by one (cheap when the term is
    common: a page fills after a few rows), and only after :data:`PROBE_ROWS` of them
    the trigram index for the older ones (cheap when the term is rare). LIKE is used
    for Chinese (5 times faster than ILIKE); ILIKE only for terms with Latin letters.
    """

    dialect = "postgresql"

    def exists(self, connection: Connection) -> bool:
        found = connection.execute(text("SELECT to_regclass(:name)"), {"name": INDEX_TABLE}).scalar()
        return found is not None

    def create(self, connection: Connection, *, indexes: bool = True) -> None:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        connection.execute(text(
            f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
            "version_id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL, body TEXT NOT NULL)"
        ))
        if not indexes:
            return
        connection.execute(text(
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_body_trgm ON {INDEX_TABLE} USING gin (body gin_trgm_ops)"
        ))
        connection.execute(text(
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_document ON {INDEX_TABLE} (document_id, version_id)"
        ))

    def insert(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        connection.execute(
            text(
                f"INSERT INTO {INDEX_TABLE} (version_id, document_id, body) VALUES (:version_id, :document_id, :body) "
                "ON CONFLICT (version_id) DO NOTHING"
            ),
            list(rows),
        )

    def match_sql(self, terms: Sequence[str], params: dict[str, Any]) -> list[str]:
        conditions = []
        for number, term in enumerate(terms):
            params[f"like{number}"] = like_pattern(term)
            operator = "ILIKE" if _LATIN.search(term) else "LIKE"
            conditions.append(f"f.body {operator} :like{number}")
        return conditions

    def check_sql(self, terms: Sequence[str], params: dict[str, Any]) -> list[str]:
        # strpos, not LIKE: the planner must not swap the few candidate rows for the index
        conditions = []
        for number, term in enumerate(terms):
            params[f"check{number}"] = term.lower() if _LATIN.search(term) else term
            text_expr = "lower(f.body)" if _LATIN.search(term) else "f.body"
            conditions.append(f"strpos({text_expr}, :check{number}) > 0")
        return conditions

    def matches(self, connection: Connection, terms: Sequence[str], filters: FilterSQL) -> Generator[tuple[int, int], None, None]:
        params = dict(filters[1])
        hit = " AND ".join(self.check_sql(terms, params))
        join, where = (" JOIN document d ON d.id = f.document_id", " WHERE " + " AND ".join(filters[0])) if filters[0] else ("", "")
        recent = f"SELECT f.version_id, f.document_id, ({hit}) FROM {INDEX_TABLE} f{join}{where} ORDER BY f.version_id DESC"
        examined, below = 0, None
        with closing(stream(connection, recent, params)) as rows:
            for version_id, document_id, found in rows:
                examined, below = examined + 1, int(version_id)
                if found:
                    yield int(version_id), int(document_id)
                if examined >= PROBE_ROWS:
                    break
            else:
                return  # every row was read: nothing older is left
        older = dict(filters[1], below=below)
        statement = self.term_statement(terms, (filters[0], older), extra=["f.version_id < :below"])
        for row in stream(connection, statement, older):
            yield int(row[0]), int(row[1])


def backend_for(connection: Connection | Session) -> SearchBackend:
    """The backend for a connection's dialect; a clear error for any other database."""
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    name = bind.dialect.name
    if name not in BACKENDS:
        raise ConfigError(f"full-text search does not support {name!r}; supported: {', '.join(sorted(BACKENDS))}")
    return BACKENDS[name]
