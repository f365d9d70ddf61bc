"""``/unsubscribe?token=…``, the digest's 退订 link and List-Unsubscribe target, as a
reader and a mail client use it: GET confirms and changes nothing, POST (the page's
button or an RFC 8058 one-click POST) unsubscribes, a bad token is a clear error page,
and the archive's password is not needed. The end-to-end path (a digest sent to a real
SMTP server, its link opened, the next digest not sent) is in test_digest_unsubscribe.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reports.subscribers import add_subscriber, masked_email
from reports.web import create_app
from store.engine import make_engine, session_scope
from store.models import Subscriber
from store.settings import Config, load_config

ONE_CLICK = {"content": b"List-Unsubscribe=One-Click",
             "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


def _subscribe(engine: Engine, *emails: str) -> dict[str, str]:
    with session_scope(engine) as session:
        return {email: add_subscriber(session, email).token for email in emails}


def _active(engine: Engine) -> dict[str, bool]:
    with Session(engine) as session:
        return {s.email: s.active for s in session.exec(select(Subscriber)).all()}


def _client(engine: Engine, config: Config) -> Iterator[TestClient]:
    readonly = make_engine(engine.url.render_as_string(hide_password=False), readonly=True)
    with TestClient(create_app(config, engine=readonly), raise_server_exceptions=False) as client:
        yield client
    readonly.dispose()


@pytest.fixture
def client(any_engine: Engine, config: Config) -> Iterator[TestClient]:
    yield from _client(any_engine, config)


def test_get_shows_the_masked_address_and_a_button_and_changes_nothing(any_engine: Engine, client: TestClient) -> None:
    tokens = _subscribe(any_engine, "zhang.san@example.org")
    token = tokens["zhang.san@example.org"]
    for _ in range(2):  # a mail scanner fetching the link twice unsubscribes nobody
        page = client.get("/unsubscribe", params={"token": token})
        assert page.status_code == 200
    assert "z***@example.org" in page.text and "zhang.san" not in page.text
    assert "确认退订" in page.text and 'method="post"' in page.text and f'action="/unsubscribe?token={token}"' in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert _active(any_engine) == {"zhang.san@example.org": True}


@pytest.mark.parametrize("body", [
    ONE_CLICK,
    {"files": {"List-Unsubscribe": (None, "One-Click")}},  # multipart/form-data, as RFC 8058 prefers
    {},  # the confirmation page's button posts an empty form
], ids=["one-click-urlencoded", "one-click-multipart", "button"])
def test_post_unsubscribes_only_that_subscriber(any_engine: Engine, client: TestClient, body: dict[str, object]) -> None:
    tokens = _subscribe(any_engine, "a@example.org", "b@example.org")
    done = client.post(f"/unsubscribe?token={tokens['a@example.org']}", **body)  # type: ignore[arg-type]
    assert done.status_code == 200 and "已退订" in done.text and "a***@example.org" in done.text
    assert _active(any_engine) == {"a@example.org": False, "b@example.org": True}


def test_a_second_post_and_a_later_visit_are_harmless(any_engine: Engine, client: TestClient) -> None:
    token = _subscribe(any_engine, "a@example.org")["a@example.org"]
    assert client.post(f"/unsubscribe?token={token}", **ONE_CLICK).status_code == 200  # type: ignore[arg-type]
    again = client.post(f"/unsubscribe?token={token}", **ONE_CLICK)  # type: ignore[arg-type]
    assert again.status_code == 200 and "此前已经退订" in again.text
    visit = client.get(f"/unsubscribe?token={token}")
    assert visit.status_code == 200 and "此前已经退订" in visit.text and "确认退订" not in visit.text
    assert _active(any_engine) == {"a@example.org": False}


@pytest.mark.parametrize(("url", "status", "needle"), [
    ("/unsubscribe", 400, "退订链接不完整"),
    ("/unsubscribe?token=", 400, "退订链接不完整"),
    ("/unsubscribe?token=forged-token-123", 404, "退订链接无效"),
    ("/unsubscribe?token=" + "x" * 300, 404, "退订链接无效"),
    ("/unsubscribe?token=%27%20OR%201%3D1%20--", 404, "退订链接无效"),
], ids=["no-token", "empty", "forged", "oversized", "sql-ish"])
def test_bad_tokens_are_a_clear_page_and_unsubscribe_nobody(sqlite_engine: Engine, config: Config, url: str,
                                                            status: int, needle: str) -> None:
    _subscribe(sqlite_engine, "a@example.org")
    for client in _client(sqlite_engine, config):
        for response in (client.get(url), client.post(url, **ONE_CLICK)):  # type: ignore[arg-type]
            assert response.status_code == status and needle in response.text
            assert response.headers["content-type"].startswith("text/html")
    assert _active(sqlite_engine) == {"a@example.org": True}


@pytest.mark.parametrize("auth_env", [
    {"PLANWATCH_WEB_AUTH_USER": "editor", "PLANWATCH_WEB_AUTH_PASSWORD": "pw-archive"},
    {"PLANWATCH_WEB_TOKEN": "archive-token"},
], ids=["basic-auth", "bearer-token"])
def test_unsubscribe_needs_no_archive_password(sqlite_engine: Engine, config: Config, auth_env: dict[str, str]) -> None:
    token = _subscribe(sqlite_engine, "a@example.org")["a@example.org"]
    locked = load_config(env={"PLANWATCH_DATA_DIR": str(config.data_dir), **auth_env})
    for client in _client(sqlite_engine, locked):
        assert client.get("/").status_code == 401  # the archive itself stays locked
        assert client.get("/unsubscribe/x").status_code == 401 and client.get("/unsubscribex").status_code == 401
        assert client.get(f"/unsubscribe?token={token}").status_code == 200
        assert client.post(f"/unsubscribe?token={token}", **ONE_CLICK).status_code == 200  # type: ignore[arg-type]
    assert _active(sqlite_engine) == {"a@example.org": False}


def test_the_rest_of_the_archive_stays_read_only(sqlite_engine: Engine, config: Config) -> None:
    for client in _client(sqlite_engine, config):
        for path in ("/", "/documents", "/changes", "/sources", "/api/targets"):
            assert client.post(path).status_code == 405, path
        assert client.put("/unsubscribe?token=x").status_code == 405


@pytest.mark.parametrize(("email", "shown"), [
    ("zhang.san@example.org", "z***@example.org"), ("a@b.cn", "a***@b.cn"), ("不是地址", "***"),
])
def test_masked_email(email: str, shown: str) -> None:
    assert masked_email(email) == shown
