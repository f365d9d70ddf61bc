"""Schema migrations with Alembic, driven from code (no alembic.ini to find).

``planwatch db upgrade`` calls :func:`upgrade`. Every other command calls
:func:`require_current` first, so an old or empty database gets "run planwatch db
upgrade" instead of a confusing SQL error. Tables Alembic must not manage (the
APScheduler job store, SQLite full-text indexes) are listed in ``UNMANAGED_PREFIXES``.

Checking the schema never imports Alembic (~0.1-1 s of start-up, paid by every command
and every crawl child): the database's revision is one query on ``alembic_version`` and
the code's head is read from the migration files' ``revision`` / ``down_revision``
lines. Alembic is imported only to migrate.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from store.errors import DatabaseUnavailable, SchemaOutdated

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = ["UNMANAGED_PREFIXES", "VERSION_TABLE", "alembic_config", "current_revision", "head_revision", "include_object", "require_current", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
UNMANAGED_PREFIXES = ("apscheduler_", "fts_", "sqlite_")
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=(.*)$", re.M)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave tables of other owners (APScheduler, full-text indexes) alone."""
    if type_ == "table" and name and name.startswith(UNMANAGED_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    return not (table is not None and str(table.name).startswith(UNMANAGED_PREFIXES))


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic config that runs on ``engine`` (passed through ``attributes``)."""
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    """The code's head: the one revision no migration names as its ``down_revision``.

    Read from the files, as Alembic's ScriptDirectory would (tests/test_migrations.py
    checks they agree); more than one head is a broken migration history.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        found = {name: _QUOTED.findall(value) for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8"))}
        if found.get("revision"):
            revisions.update(found["revision"])
            parents.update(found.get("down_revision", []))  # a merge names several
    heads = sorted(revisions - parents)
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({', '.join(heads)}): merge them")
    return heads[0] if heads else None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database): one query, no Alembic."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return None
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot open the database: {str(exc.orig).strip()}") from exc
    if len(rows) > 1:
        raise SchemaOutdated(f"the database is at several revisions ({', '.join(sorted(rows))})")
    return rows[0] if rows else None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the schema; returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    return before, current_revision(engine)


def require_current(engine: Engine) -> None:
    """Raise SchemaOutdated unless the database is at the code's head revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "has no planwatch tables" if current is None else f"is at revision {current}, the code expects {head}"
        raise SchemaOutdated(f"the database {state}")


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """Write a new migration from the difference between the models and ``engine``.

    For developers: run on a database upgraded to head, e.g.
    ``python -c "from store.migrate import *; ..."``; see CONTRIBUTING in the README.
    """
    from alembic import command

    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=rev_id)


def regenerate_initial() -> Path:
    """Rewrite the initial migration from the models (only while no release exists)."""
    import tempfile

    from store.engine import make_engine

    for old in (MIGRATIONS_DIR / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/empty.db")
        autogenerate(engine, "initial schema", "0001")
        engine.dispose()
    return next((MIGRATIONS_DIR / "versions").glob("0001_*.py"))


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["regenerate-initial"]:
        print(regenerate_initial())
    else:
        print("usage: python -m store.migrate regenerate-initial", file=sys.stderr)
        sys.exit(2)
