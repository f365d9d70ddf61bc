"""Open the store a configuration names: the engine, checked against the schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from store.engine import make_engine
from store.migrate import require_current
from store.settings import Config

__all__ = ["open_store"]


def open_store(config: Config, *, readonly: bool = False, check_schema: bool = True) -> Engine:
    """The engine for ``config.database_url``; SchemaOutdated if it needs `db upgrade`."""
    config.ensure_data_dir()
    engine = make_engine(config.database_url, readonly=readonly)
    if check_schema:
        require_current(engine)
    return engine
