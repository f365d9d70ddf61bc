"""Session-wide fixtures: a fresh data directory, a migrated store (SQLite, and the
real PostgreSQL when ``PLANWATCH_TEST_DATABASE_URL`` is set), the seed captures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.engine import make_engine
from store.migrate import upgrade
from store.settings import Config, load_config

if TYPE_CHECKING:
    from crawler.fixture_site import FixtureSite

REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO.parent / "shared" / "seeds"
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def config(data_dir: Path) -> Config:
    """Defaults with the data directory in a temporary folder (no config file, clean env)."""
    return load_config(env={"PLANWATCH_DATA_DIR": str(data_dir)})


@pytest.fixture
def sqlite_engine(config: Config) -> Iterator[Engine]:
    engine = make_engine(config.database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _pg_base_url() -> str | None:
    return os.environ.get("PLANWATCH_TEST_DATABASE_URL") or None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    base = _pg_base_url()
    if base is None:
        pytest.skip("PostgreSQL tests need PLANWATCH_TEST_DATABASE_URL (.ci/run sets it)")
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    name = f"pw_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on the real PostgreSQL."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    engine: Engine = request.getfixturevalue(fixture)
    return engine


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """../shared/seeds; tests using it skip cleanly when ../shared is absent."""
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"{SEEDS_DIR} is absent (the real page captures live beside the repository)")
    return SEEDS_DIR


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests keep screenshots and rendered pages for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def fixture_site() -> Iterator[FixtureSite]:
    """The bundled government-style site on a free 127.0.0.1 port, one per session.

    Each test that asks for it starts in state "initial" with an empty request log
    (``_fixture_site_reset`` below), so a test may call ``set_state("next")`` freely.
    """
    from crawler.fixture_site import FixtureSite

    site = FixtureSite()
    site.start(0)
    yield site
    site.stop()


@pytest.fixture(autouse=True)
def _fixture_site_reset(request: pytest.FixtureRequest) -> None:
    if "fixture_site" in request.fixturenames:
        site = request.getfixturevalue("fixture_site")
        site.set_state("initial")
        site.clear_log()
