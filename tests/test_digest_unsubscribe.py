"""End to end: a digest goes to a real SMTP server (aiosmtpd on 127.0.0.1), its 退订 link
and List-Unsubscribe target are opened in the archive (FastAPI's test client, same
store), and the subscriber gets no further digest while others still do."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from digest_seed import NOW, add_change, make_config, seed_store
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reports.digest_run import run_digests
from reports.smtp_capture import CapturedMessage, CaptureServer
from reports.subscribers import add_subscriber
from reports.web import create_app
from store.engine import make_engine, session_scope
from store.models import Subscriber

pytest_plugins = ["digest_fixtures"]

ARCHIVE = "https://archive.example.org"


def _links(message: CapturedMessage) -> tuple[str, str]:
    """(the List-Unsubscribe HTTPS target, the 退订 link of the HTML part)."""
    header = message.message["List-Unsubscribe"]
    (target,) = re.findall(r"<(https://[^>]+)>", header)
    html = message.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (link,) = re.findall(r'<a href="([^"]+)"[^>]*>退订</a>', html)
    return target, link.replace("&amp;", "&")


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == ARCHIVE
    return f"{parts.path}?{parts.query}"


def test_a_digest_link_unsubscribes_and_the_next_digest_skips_them(any_engine: Engine, data_dir: Path,
                                                                   smtp: CaptureServer) -> None:
    config = make_config(data_dir, smtp.port, digest_archive_base_url=ARCHIVE)
    seed_store(any_engine)
    with session_scope(any_engine) as session:
        for email in ("leaving@example.org", "staying@example.org"):
            add_subscriber(session, email, now=NOW - timedelta(days=1))
    assert run_digests(config, any_engine, send=True, now=NOW).delivered == 2
    (leaving,) = [m for m in smtp.messages if m.rcpt_tos == ("leaving@example.org",)]
    assert leaving.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    target, link = _links(leaving)
    assert target == link

    readonly = make_engine(any_engine.url.render_as_string(hide_password=False), readonly=True)
    with TestClient(create_app(config, engine=readonly), raise_server_exceptions=False) as client:
        page = client.get(_path(link))
        assert page.status_code == 200 and "l***@example.org" in page.text and "确认退订" in page.text
        done = client.post(_path(target), content=leaving.message["List-Unsubscribe-Post"].encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200 and "已退订" in done.text
    readonly.dispose()
    with Session(any_engine) as session:
        assert {s.email: s.active for s in session.exec(select(Subscriber)).all()} == {
            "leaving@example.org": False, "staying@example.org": True}

    smtp.clear()
    add_change(any_engine, "after-unsubscribe", when=NOW + timedelta(hours=1))
    later = run_digests(config, any_engine, send=True, now=NOW + timedelta(days=1))
    assert later.delivered == 1 and [m.rcpt_tos for m in smtp.messages] == [("staying@example.org",)]
