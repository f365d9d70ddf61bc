"""`planwatch serve` as a real process: it indexes what is missing, then serves the
archive read-only on 127.0.0.1; a store without tables is a one-line error."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx
from archive_data import fill_archive
from web_fixtures import PLANWATCH, serve_process

from store.engine import make_engine
from store.migrate import upgrade


def test_serve_indexes_then_serves_pages_search_and_api(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'planwatch.db'}")
    upgrade(engine)
    archive = fill_archive(engine, tmp_path, index=False)  # as a crawl without analysis leaves it
    engine.dispose()
    with serve_process({"PLANWATCH_DATA_DIR": str(tmp_path)}) as (base, process):
        home = httpx.get(base + "/")
        assert home.status_code == 200 and "贵阳市卫生健康局2024年工作要点" in home.text
        assert "server" not in home.headers  # no server banner
        found = httpx.get(base + "/documents", params={"q": "家庭医生签约"})
        assert "<mark>家庭医生签约</mark>" in found.text
        api = httpx.get(base + f"/api/documents/{archive.documents['2024']}").json()
        assert api["document"]["versions"] == 2
    _, stderr = process.communicate()
    assert "search index: 6 versions added" in stderr
    assert f"archive browser at {base}/" in stderr


def test_serve_on_an_empty_database_says_run_db_upgrade(tmp_path: Path) -> None:
    result = subprocess.run([PLANWATCH, "serve", "--port", "1"], env={"PLANWATCH_DATA_DIR": str(tmp_path), "PATH": ""},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: the database {tmp_path / 'planwatch.db'} does not exist (run `planwatch db upgrade` to create it)"]
    assert list(tmp_path.iterdir()) == []  # read-only: no empty database file left behind


def test_serve_help_has_an_example() -> None:
    result = subprocess.run([PLANWATCH, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert "Example:" in result.stdout and "--no-index" in result.stdout
    assert "6 the port is already in use" in " ".join(result.stdout.split())


def test_a_port_in_use_is_one_line_and_exit_6(tmp_path: Path) -> None:
    upgrade(make_engine(f"sqlite:///{tmp_path / 'planwatch.db'}"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([PLANWATCH, "serve", "--port", str(port), "--no-index"],
                                env={"PLANWATCH_DATA_DIR": str(tmp_path), "PATH": ""},
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 6
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use (pass another --port or set web.port, or stop what listens there)"]


def test_serve_without_the_right_to_build_the_index_still_serves(pg_url: str, tmp_path: Path) -> None:
    """A PostgreSQL role that may read but not create the pg_trgm extension: a warning,
    then the archive, with search saying its index is not built."""
    import uuid

    from sqlalchemy import text

    engine = make_engine(pg_url)
    upgrade(engine)
    fill_archive(engine, tmp_path, index=False)
    role = f"pw_reader_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        connection.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
        connection.commit()
    reader_url = make_engine(pg_url).url.set(username=role).render_as_string(hide_password=False)
    try:
        with serve_process({"PLANWATCH_DATA_DIR": str(tmp_path), "PLANWATCH_DATABASE_URL": reader_url}) as (base, process):
            assert httpx.get(base + "/").status_code == 200
            search = httpx.get(base + "/documents", params={"q": "家庭医生签约"})
            assert search.status_code == 200 and "全文索引尚未建立" in search.text
        _, stderr = process.communicate()
        assert "warning: search index not brought up to date (permission denied" in stderr
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
            connection.commit()
        engine.dispose()
