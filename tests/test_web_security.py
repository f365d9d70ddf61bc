"""Security of the archive browser: scraped markup stays text everywhere, raw captures
are inert, every response carries the security headers, optional authentication,
and browsing never writes to the store."""

from __future__ import annotations

import base64
import re
from urllib.parse import quote

import pytest
from archive_data import EVIL_RAW_HTML, EVIL_URL, FORMULA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from web_fixtures import Web

from reports.web import create_app
from reports.web.security import PAGE_CSP, RAW_CSP
from store.errors import ConfigError
from store.settings import load_config

pytest_plugins = ("web_fixtures",)


def _evil_pages(web: Web) -> list[str]:
    archive = web.archive
    evil = archive.documents["evil"]
    return [
        "/", "/documents", "/documents?region=遂宁市", "/documents?q=恶意标题", "/documents?q=script",
        f"/documents/{evil}", f"/versions/{archive.versions['evil']}", "/changes", f"/changes/{archive.changes['evil']}",
        f"/compare/{archive.versions['2022']}/{archive.versions['evil']}", "/sources/sn",
        "/indicators/每千人口医疗卫生机构床位数",
    ]


# What must never appear in our HTML: live tags or handlers that came from scraped text.
_LIVE = (
    re.compile(r"<script>(?:window|alert|parent)"),
    re.compile(r"<img src=x onerror", re.I),
    re.compile(r"<b onmouseover", re.I),
    re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I),
    re.compile(r"<a href=\"javascript", re.I),
)


def test_scraped_markup_is_escaped_on_every_page(web: Web) -> None:
    for path in _evil_pages(web):
        response = web.client.get(path)
        assert response.status_code == 200, path
        for pattern in _LIVE:
            assert not pattern.search(response.text), f"{path}: {pattern.pattern}"
    document = web.client.get(f"/documents/{web.archive.documents['evil']}").text
    assert "&lt;script&gt;window.__pwned=1;document.title=&#34;pwned&#34;&lt;/script&gt;恶意标题" in document
    assert "&lt;b onmouseover=&#34;alert(1)&#34;&gt;坏&lt;/b&gt;" in document  # the attachment's error reason
    version = web.client.get(f"/versions/{web.archive.versions['evil']}").text
    assert "&lt;a href=&#34;javascript:window.__pwned=3&#34;&gt;点我&lt;/a&gt;" in version
    assert "<script>" not in version.split("<body>", 1)[1]


def test_a_scraped_javascript_url_is_never_a_link(web: Web) -> None:
    html = web.client.get(f"/documents/{web.archive.documents['evil']}").text
    assert EVIL_URL not in re.findall(r'href="([^"]*)"', html)
    assert "javascript:" not in " ".join(re.findall(r'href="([^"]*)"', html))


def test_search_snippets_escape_scraped_markup(web: Web) -> None:
    html = web.client.get("/documents", params={"q": "恶意标题"}).text
    assert "<mark>恶意标题</mark>" in html
    before_hit = html.split("<mark>恶意标题</mark>")[0].rsplit('<div class="snippet">', 1)[1]
    assert before_hit.endswith("&lt;/script&gt;") and "<script" not in before_hit


def test_every_page_carries_the_security_headers(web_sqlite: Web) -> None:
    for path in ["/", "/documents", "/openapi.json", "/api/sources", "/no/such/page", "/documents?year=x"]:
        headers = web_sqlite.client.get(path).headers
        assert headers["content-security-policy"] == PAGE_CSP, path
        assert "script-src 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "SAMEORIGIN"


def test_the_raw_capture_is_sandboxed_and_never_runs_scripts(web_sqlite: Web) -> None:
    response = web_sqlite.client.get(f"/versions/{web_sqlite.archive.versions['evil']}/raw")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == RAW_CSP  # sandbox, no script source at all
    assert "script-src" not in RAW_CSP and RAW_CSP.endswith("sandbox")
    assert response.content == EVIL_RAW_HTML.encode("utf-8")  # shown as captured, made inert by the CSP
    page = web_sqlite.client.get(f"/versions/{web_sqlite.archive.versions['evil']}").text
    frame = re.search(r"<iframe[^>]*>", page)
    assert frame and 'sandbox=""' in frame.group(0) and "allow-scripts" not in page


def test_csv_export_neutralises_formulas_from_scraped_text(web_sqlite: Web) -> None:
    csv_text = web_sqlite.client.get("/export/targets.csv", params={"document": web_sqlite.archive.documents["evil"]}).text
    assert "'" + FORMULA.replace('"', '""') in csv_text
    assert "\n" + FORMULA not in csv_text and "," + FORMULA not in csv_text
    assert ",-3.0," in csv_text  # numbers stay numbers


@pytest.mark.parametrize(
    ("env", "authorization", "status"),
    [
        ({"PLANWATCH_WEB_AUTH_USER": "reader", "PLANWATCH_WEB_AUTH_PASSWORD": "密码 ok"}, None, 401),
        ({"PLANWATCH_WEB_AUTH_USER": "reader", "PLANWATCH_WEB_AUTH_PASSWORD": "密码 ok"}, ("reader", "wrong"), 401),
        ({"PLANWATCH_WEB_AUTH_USER": "reader", "PLANWATCH_WEB_AUTH_PASSWORD": "密码 ok"}, ("reader", "密码 ok"), 200),
        ({"PLANWATCH_WEB_AUTH_USER": "reader", "PLANWATCH_WEB_AUTH_PASSWORD": "密码 ok"}, "Basic !!notbase64", 401),
        ({"PLANWATCH_WEB_TOKEN": "t0ken"}, None, 401),
        ({"PLANWATCH_WEB_TOKEN": "t0ken"}, "Bearer wrong", 401),
        ({"PLANWATCH_WEB_TOKEN": "t0ken"}, "Bearer t0ken", 200),
        ({"PLANWATCH_WEB_TOKEN": "t0ken"}, ("reader", "t0ken"), 401),  # basic auth is not configured
        ({"PLANWATCH_WEB_TOKEN": "t0ken", "PLANWATCH_WEB_AUTH_USER": "u", "PLANWATCH_WEB_AUTH_PASSWORD": "p"}, ("u", "p"), 200),
        ({"PLANWATCH_WEB_TOKEN": "t0ken", "PLANWATCH_WEB_AUTH_USER": "u", "PLANWATCH_WEB_AUTH_PASSWORD": "p"}, "Bearer t0ken", 200),
        ({}, None, 200),  # no auth configured: open (the default binds 127.0.0.1)
    ],
)
def test_authentication_when_configured(web_sqlite: Web, env: dict[str, str], authorization: object, status: int) -> None:
    client = web_sqlite.app_client(env)
    headers = {}
    if isinstance(authorization, tuple):
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(authorization).encode()).decode()
    elif isinstance(authorization, str):
        headers["Authorization"] = authorization
    for path in ["/", "/api/sources", f"/versions/{web_sqlite.archive.versions['evil']}/raw", "/openapi.json"]:
        response = client.get(path, headers=headers)
        assert response.status_code == status, path
        if status == 401:
            assert "WWW-Authenticate" in response.headers
            assert response.headers["content-security-policy"] == PAGE_CSP
            assert ("json" in response.headers["content-type"]) == (path.startswith("/api") or path == "/openapi.json")


def test_basic_auth_challenge_names_the_scheme(web_sqlite: Web) -> None:
    basic = web_sqlite.app_client({"PLANWATCH_WEB_AUTH_USER": "reader", "PLANWATCH_WEB_AUTH_PASSWORD": "x"}).get("/")
    assert basic.headers["www-authenticate"].startswith('Basic realm="planwatch archive"')
    assert "需要登录" in basic.text
    bearer = web_sqlite.app_client({"PLANWATCH_WEB_TOKEN": "x"}).get("/api/sources")
    assert bearer.headers["www-authenticate"].startswith("Bearer") and bearer.json() == {"detail": "authentication required"}


def test_a_user_without_a_password_is_a_config_error(web_sqlite: Web) -> None:
    config = load_config(env={"PLANWATCH_DATA_DIR": str(web_sqlite.config.data_dir), "PLANWATCH_WEB_AUTH_USER": "reader"})
    with pytest.raises(ConfigError, match="no password") as raised:
        create_app(config, engine=web_sqlite.readonly)
    assert "PLANWATCH_WEB_AUTH_PASSWORD" in raised.value.one_line()


def _snapshot(web: Web) -> dict[str, list[tuple[object, ...]]]:
    tables = [name for name in inspect(web.engine).get_table_names() if not name.startswith("fts_")]
    with web.engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))] for name in tables}


def test_browsing_everything_writes_nothing(web: Web) -> None:
    before = _snapshot(web)
    archive = web.archive
    paths = [
        *_evil_pages(web), "/sources", f"/series/{archive.series_id}", "/api/documents?q=床位", "/api/targets?series=1",
        f"/versions/{archive.versions['2024']}/raw", "/export/targets.csv", "/export/targets.json", "/api/changes",
    ]
    for path in paths:
        assert web.client.get(path).status_code == 200, path
    assert _snapshot(web) == before


_ROUTES = ("/documents?q={}", "/documents?region={}&q=床位", "/documents?source={}", "/sources/{}", "/indicators/{}",
           "/changes?indicator={}&region={}", "/series/1?indicator={}", "/api/documents?q={}&type={}", "/api/targets?indicator={}",
           "/export/targets.csv?q={}", "/feeds/changes.atom?keyword={}&region={}")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(_ROUTES), value=st.text(min_size=0, max_size=40))
def test_no_input_makes_a_500(web: Web, route: str, value: str) -> None:
    """Any text (NUL, quotes, %, _, FTS syntax, astral characters) in any parameter: 200/404/422."""
    quoted = quote(value, safe="")
    response = web.client.get(route.replace("{}", quoted))
    assert response.status_code in (200, 404, 422), (route, value, response.text[:300])
