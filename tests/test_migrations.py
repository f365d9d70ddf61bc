"""Alembic: the migration creates what the models describe, and is idempotent."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.engine import make_engine
from store.errors import SchemaOutdated
from store.migrate import (
    MIGRATIONS_DIR,
    current_revision,
    head_revision,
    include_object,
    require_current,
    upgrade,
)


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def _check(url: str) -> None:
    engine = make_engine(url)
    assert current_revision(engine) is None
    before, after = upgrade(engine)
    assert (before, after) == (None, head_revision())
    tables = set(inspect(engine).get_table_names())
    assert {"document", "version", "target", "change", "subscriber", "digest", "crawlrun", "blob"} <= tables
    assert _differences(engine) == [], "models and migrations disagree: run python -m store.migrate regenerate-initial"
    assert upgrade(engine) == (head_revision(), head_revision())
    with engine.connect() as connection:  # the one-query revision is Alembic's own
        assert current_revision(engine) == MigrationContext.configure(connection).get_current_revision() == head_revision()
    require_current(engine)
    engine.dispose()


def test_head_read_from_the_files_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_an_outdated_or_empty_database_is_told_to_upgrade(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    with pytest.raises(SchemaOutdated, match="has no planwatch tables"):
        require_current(engine)
    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(SchemaOutdated, match=f"is at revision 0000, the code expects {head_revision()}"):
        require_current(engine)
    engine.dispose()


def test_migration_on_empty_sqlite_then_noop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _check(f"sqlite:///{tmp_path}/fresh.db")


def test_migration_on_empty_postgresql_then_noop(pg_url: str) -> None:
    _check(pg_url)


def test_sqlite_pragmas(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
