"""Open the store a configuration names: the engine, checked against the schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from store.engine import make_engine, normalise_url, sqlite_file
from store.errors import SchemaOutdated
from store.migrate import require_current
from store.settings import Config

__all__ = ["open_store"]


def open_store(config: Config, *, readonly: bool = False, check_schema: bool = True) -> Engine:
    """The engine for ``config.database_url``; SchemaOutdated if it needs `db upgrade`.

    A read-only store creates nothing: a SQLite file that does not exist is
    SchemaOutdated (run `planwatch db upgrade`), not a new empty file and directories.
    """
    if readonly:
        path = sqlite_file(normalise_url(config.database_url, create_dirs=False))
        if path is not None and not path.is_file():
            raise SchemaOutdated(f"the database {path} does not exist", hint="run `planwatch db upgrade` to create it")
    else:
        config.ensure_data_dir()
    engine = make_engine(config.database_url, readonly=readonly)
    if check_schema:
        require_current(engine)
    return engine
