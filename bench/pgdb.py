"""A throw-away PostgreSQL database for the archive benchmark: created, then dropped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bench_database"]


@contextmanager
def bench_database(admin_url: str) -> Iterator[str]:
    """Create ``planwatch_bench_<pid>`` on the server of ``admin_url``; yield its URL; drop it."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"planwatch_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
