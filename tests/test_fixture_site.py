"""The bundled fixture site over real HTTP: pages, pagers, GBK, 304s, states, fault routes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tomllib
import urllib.robotparser
from pathlib import Path

import httpx
import pytest

from crawler.attachments import read_attachment
from crawler.encoding import decode_html
from crawler.fixture_site import (
    FAULT_LINKS,
    MANIFEST,
    OTHER_ITEMS,
    REDIRECT_TARGET,
    SECTIONS,
    FixtureSite,
    demo_sources,
    plans_in,
    render_sources_toml,
    section,
)
from crawler.fixture_site.sources import DEMO_BASE_URL
from crawler.page_fields import read_detail_page
from store.normalise import content_hash
from store.sources_config import load_sources

REPO = Path(__file__).resolve().parent.parent
GBK_ONLY = "镕玥昇喆堃"


_CLIENT = httpx.Client(follow_redirects=False, timeout=10)


def _get(site: FixtureSite, path: str, **headers: str) -> httpx.Response:
    return _CLIENT.get(site.url(path), headers=headers)


def _list_paths(site: FixtureSite, start: str) -> list[str]:
    """Every list page of a section, found by following its pager the way a reader would."""
    seen, queue = [start], [start]
    while queue:
        html = _get(site, queue.pop(0)).text
        hrefs = re.findall(r'href="([^"]*(?:index_\d+\.html|\?page=\d+))"', html)
        script = re.search(r"createPageHTML\((\d+),\s*(\d+)", html)
        if script:
            folder = start.rsplit("/", 1)[0]
            hrefs += [f"{folder}/index_{n}.html" for n in range(1, int(script.group(1)))]
        for href in hrefs:
            if href not in seen:
                seen.append(href)
                queue.append(href)
    return seen


def _listed_titles(site: FixtureSite, start: str) -> list[str]:
    titles = []
    for path in _list_paths(site, start):
        response = _get(site, path)
        html = decode_html(response.content, response.headers["content-type"])
        titles += re.findall(r'<a href="/[^"]+/(?:t|detail_)\d+_\d+\.html"[^>]*>([^<]+)</a>', html)
    return titles


def test_every_plan_is_served_and_reads_back_right(fixture_site: FixtureSite) -> None:
    for plan in plans_in("initial"):
        response = _get(fixture_site, plan.path)
        assert response.status_code == 200, plan.path
        assert response.headers["etag"] and response.headers["last-modified"]
        fields = read_detail_page(decode_html(response.content, response.headers["content-type"]), str(response.url))
        assert (fields.title, fields.published_on, fields.agency) == (plan.title, plan.published_on, plan.agency)


def test_the_next_plan_is_absent_until_published(fixture_site: FixtureSite) -> None:
    new = next(plan for plan in MANIFEST if plan.next_change == "new")
    assert _get(fixture_site, new.path).status_code == 404
    fixture_site.set_state("next")
    assert _get(fixture_site, new.path).status_code == 200


@pytest.mark.parametrize("pager", ["links", "index_n", "create_page_html", "single"])
def test_each_pager_lists_every_item_of_its_section(fixture_site: FixtureSite, pager: str) -> None:
    for chosen in (s for s in SECTIONS if s.pager == pager and s.source_id != "fixture-faults"):
        expected = {p.title for p in plans_in("initial", chosen.source_id)} | {
            item.title for item in OTHER_ITEMS if item.source_id == chosen.source_id}
        titles = _listed_titles(fixture_site, chosen.list_path)
        assert sorted(titles) == sorted(expected)


def test_pager_styles_look_like_the_real_ones(fixture_site: FixtureSite) -> None:
    first = _get(fixture_site, section("fixture-gy").list_path).text
    assert ">下一页</a>" in first and ">尾页</a>" in first
    assert _get(fixture_site, "/snwjw/xxgk/ghjh/index_2.html").status_code == 200
    assert _get(fixture_site, "/snwjw/xxgk/ghjh/index_3.html").status_code == 404
    county = _get(fixture_site, "/shxwjw/gzjh/index_1.html").text
    assert 'createPageHTML(3, 1, "index", "html");' in county
    assert "function createPageHTML" in _get(fixture_site, "/shxwjw/js/createPageHTML.js").text


@pytest.mark.parametrize(("charset", "header_has", "meta"), [("header", "charset=gbk", False), ("meta", None, True),
                                                             ("none", None, False)])
def test_gbk_pages_declare_their_charset_three_ways(fixture_site: FixtureSite, charset: str,
                                                    header_has: str | None, meta: bool) -> None:
    plan = next(p for p in MANIFEST if p.source_id == "fixture-sn" and p.charset == charset)
    response = _get(fixture_site, plan.path)
    content_type = response.headers["content-type"]
    assert (header_has in content_type) if header_has else ("charset" not in content_type)
    assert (b"charset=gb2312" in response.content) is meta
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    text = decode_html(response.content, content_type)
    assert plan.title in text


def test_gbk_site_carries_gbk_only_characters_and_the_middle_dot(fixture_site: FixtureSite) -> None:
    texts = []
    for plan in plans_in("initial", "fixture-sn"):
        response = _get(fixture_site, plan.path)
        texts.append(decode_html(response.content, response.headers["content-type"]))
    joined = "".join(texts)
    assert all(char in joined for char in GBK_ONLY)
    assert "健康·遂宁" in joined and "・" not in joined


def test_conditional_requests_get_304_and_are_logged(fixture_site: FixtureSite) -> None:
    path = MANIFEST[0].path
    first = _get(fixture_site, path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert _get(fixture_site, path, **{"If-None-Match": etag}).status_code == 304
    assert _get(fixture_site, path, **{"If-Modified-Since": modified}).status_code == 304
    assert _get(fixture_site, path, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    assert _get(fixture_site, path, **{"If-None-Match": '"stale"', "If-Modified-Since": modified}).status_code == 200
    log = [entry for entry in fixture_site.requests if entry.path == path]
    assert [entry.status for entry in log] == [200, 304, 304, 200, 200]
    assert log[1].if_none_match == etag and log[2].if_modified_since == modified
    assert log[0].user_agent.startswith("python-httpx")


def _all_paths() -> set[str]:
    site = FixtureSite()
    paths = set()
    for state in ("initial", "next"):
        site.set_state(state)
        paths |= set(site._pages)
    return paths


def test_next_state_changes_exactly_the_announced_pages(fixture_site: FixtureSite) -> None:
    paths = sorted(_all_paths())
    before = {path: _get(fixture_site, path).headers.get("etag") for path in paths}
    fixture_site.set_state("next")
    after = {path: _get(fixture_site, path).headers.get("etag") for path in paths}
    changed = {path for path in paths if before[path] != after[path]}
    announced = {plan.path for plan in MANIFEST if plan.next_change}
    gy_lists = {path for path in paths if path.startswith(section("fixture-gy").list_path)}
    assert changed == announced | gy_lists


def test_next_state_edits_one_target_and_a_counter_is_not_a_change(fixture_site: FixtureSite) -> None:
    edited = next(p for p in MANIFEST if p.next_change == "edited")
    counter = next(p for p in MANIFEST if p.next_change == "counter")

    def body(path: str) -> str:
        response = _get(fixture_site, path)
        return read_detail_page(decode_html(response.content, response.headers["content-type"])).text

    old_edited, old_counter = body(edited.path), body(counter.path)
    fixture_site.set_state("next")
    assert edited.edit is not None
    assert old_edited.replace(*edited.edit) == body(edited.path) != old_edited
    assert content_hash(body(counter.path)) == content_hash(old_counter)


def test_new_plan_pushes_an_item_onto_page_two(fixture_site: FixtureSite) -> None:
    start = section("fixture-gy").list_path
    last_on_page_one = re.findall(r'title="([^"]+)"', _get(fixture_site, start).text)[-1]
    fixture_site.set_state("next")
    page_two = _get(fixture_site, start + "?page=2").text
    assert re.findall(r'title="([^"]+)"', page_two)[0] == last_on_page_one


def test_fault_routes(fixture_site: FixtureSite) -> None:
    assert _get(fixture_site, "/status/500").status_code == 500
    assert _get(fixture_site, "/faults/missing-plan.html").status_code == 404
    assert "页面不存在" in _get(fixture_site, "/faults/missing-plan.html").text
    assert _get(fixture_site, "/slow?seconds=0.05").status_code == 200
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(fixture_site.url("/slow?seconds=3"), timeout=0.3)
    chain = httpx.get(fixture_site.url("/redirect/3"), follow_redirects=True, timeout=10)
    assert [r.status_code for r in chain.history] == [302, 302, 302]
    assert chain.url.path == REDIRECT_TARGET and chain.status_code == 200
    with pytest.raises(httpx.TooManyRedirects):
        httpx.get(fixture_site.url("/redirect-loop/a"), follow_redirects=True, timeout=10)
    assert len(_get(fixture_site, "/huge?mb=2").content) >= 2 * 1024 * 1024
    statuses = [entry.status for entry in fixture_site.requests]
    assert statuses.count(500) == 1 and 304 not in statuses
    assert statuses.count(499) == 1  # the request abandoned on /slow


def test_robots_txt_disallows_only_the_private_path(fixture_site: FixtureSite) -> None:
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(_get(fixture_site, "/robots.txt").text.splitlines())
    private = next(href for href, _ in FAULT_LINKS if href.startswith("/private/"))
    assert not robots.can_fetch("planwatch", fixture_site.url(private))
    assert robots.can_fetch("planwatch", fixture_site.url(MANIFEST[0].path))
    assert _get(fixture_site, private).status_code == 200  # only a polite crawler stays out


def test_attachments_are_served_and_readable_or_broken_as_announced(fixture_site: FixtureSite) -> None:
    specs = [spec for plan in MANIFEST for spec in plan.attachments]
    assert {spec.path.rsplit(".", 1)[-1] for spec in specs} >= {"pdf", "docx"}
    for spec in specs:
        response = _get(fixture_site, spec.path)
        assert response.status_code == 200 and response.headers["content-type"] == spec.media_type
        result = read_attachment(response.content, spec.path.rsplit("/", 1)[-1], spec.media_type)
        if spec.readable:
            assert result.error is None and spec.expect_text in (result.text or "")
        else:
            assert result.text is None and "HTML page" in (result.error or "")


def test_synthetic_site_serves_every_page_through_its_pager() -> None:
    with FixtureSite(synthetic_pages=45) as site:
        path, documents = "/synthetic/index.html", []
        while path:
            html = _get(site, path).text
            documents += re.findall(r'href="(/synthetic/doc/\d+\.html)"', html)
            found = re.search(r'href="([^"]+)">下一页', html)
            path = found.group(1) if found else ""
        assert len(documents) == len(set(documents)) == 45
        assert _get(site, documents[-1]).status_code == 200
        assert _get(site, "/synthetic/doc/45.html").status_code == 404


def test_unknown_state_and_stopping() -> None:
    site = FixtureSite()
    with pytest.raises(ValueError, match="known: initial, next"):
        site.set_state("later")
    with site:
        port = int(site.base_url.rsplit(":", 1)[1])
        assert _get(site, "/robots.txt").status_code == 200
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_demo_sources_file_is_the_rendered_demo_sources() -> None:
    header = (REPO / "deploy" / "sources.demo.toml").read_text(encoding="utf-8").split("\n\n", 1)[0]
    header_text = "\n".join(line.removeprefix("#").removeprefix(" ") for line in header.splitlines())
    rendered = render_sources_toml(demo_sources(DEMO_BASE_URL), header_text)
    assert (REPO / "deploy" / "sources.demo.toml").read_text(encoding="utf-8") == rendered
    loaded = load_sources(REPO / "deploy" / "sources.demo.toml")
    assert loaded == demo_sources(DEMO_BASE_URL)
    assert tomllib.loads(rendered)["sources"][0]["start_urls"][0].startswith("http://127.0.0.1:8765/")


def test_demo_sources_follow_the_real_port(fixture_site: FixtureSite) -> None:
    for source in demo_sources(fixture_site.base_url):
        assert all(_get(fixture_site, url.removeprefix(fixture_site.base_url)).status_code == 200
                   for url in source.start_urls)
        assert source.allowed_domains == ["127.0.0.1"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_planwatch_fixture_site_command_serves_until_stopped() -> None:
    port = _free_port()
    command = [str(Path(sys.executable).with_name("planwatch")), "fixture-site", "--port", str(port), "--state", "next"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first and "(next)" in first
        new = next(plan for plan in MANIFEST if plan.next_change == "new")
        assert httpx.get(f"http://127.0.0.1:{port}{new.path}", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
