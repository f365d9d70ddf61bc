"""The JSON API, its OpenAPI description and the CSV/JSON target exports."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from web_fixtures import Web

from reports.web.export import COLUMNS

pytest_plugins = ("web_fixtures",)

BEDS = "每千人口医疗卫生机构床位数"


def test_openapi_lists_the_api_and_exports_not_the_pages(web_sqlite: Web) -> None:
    spec = web_sqlite.client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/sources", "/api/documents", "/api/documents/{document_id}", "/api/versions/{version_id}", "/api/targets",
        "/api/series/{series_id}", "/api/indicators/{name}", "/api/changes", "/api/changes/{change_id}",
        "/export/targets.{fmt}",
    } <= paths
    assert not {path for path in paths if not path.startswith(("/api/", "/export/"))}
    parameters = {p["name"] for p in spec["paths"]["/api/documents"]["get"]["parameters"]}
    assert {"q", "region", "year", "source", "type", "page", "per_page"} <= parameters
    assert web_sqlite.client.get("/docs").status_code == 404  # the CDN-loading docs page is off
    assert web_sqlite.client.get("/redoc").status_code == 404


def test_api_sources(web: Web) -> None:
    sources = {s["id"]: s for s in web.client.get("/api/sources").json()}
    assert sources["gy"]["documents"] == 3 and sources["gy"]["last_status"] == "ok"
    assert sources["broken"]["last_status"] == "failed" and sources["sn"]["last_crawl_at"] is None


def test_api_documents_filters_search_and_pages(web: Web) -> None:
    listed = web.client.get("/api/documents", params={"region": "贵阳市"}).json()
    assert listed["total"] == 3 and {d["plan_year"] for d in listed["items"]} == {2022, 2023, 2024}
    found = web.client.get("/api/documents", params={"q": "家庭医生签约"}).json()
    assert [d["id"] for d in found["items"]] == [web.archive.documents["2024"]]
    hit = found["items"][0]
    assert hit["matched_version_id"] == web.archive.versions["2024b"]
    assert {"text": "家庭医生签约", "hit": True} in hit["snippet"]
    first = web.client.get("/api/documents", params={"q": "床位", "per_page": 2}).json()
    third = web.client.get("/api/documents", params={"q": "床位", "per_page": 2, "page": 3}).json()
    assert first["has_next"] and not third["has_next"] and len(third["items"]) == 1 and first["total"] is None


def test_api_document_detail(web: Web) -> None:
    body = web.client.get(f"/api/documents/{web.archive.documents['2024']}").json()
    assert body["document"]["title"] == "贵阳市卫生健康局2024年工作要点" and body["document"]["versions"] == 2
    assert [v["id"] for v in body["versions"]] == [web.archive.versions["2024"], web.archive.versions["2024b"]]
    assert body["attachments"] == [{
        "url": "http://127.0.0.1:1/gy/2024.doc", "filename": "2024要点.doc", "media_type": "", "size_bytes": 0,
        "readable": False, "error": "legacy .doc: antiword is not installed",
    }]
    assert {t["display"] for t in body["targets"]} == {"≥7.86张", "≥80岁"}
    assert body["outline"][1]["heading"] == "总体要求"
    original = web.client.get(f"/api/documents/{web.archive.documents['2023']}").json()
    assert original["reposts"] == [web.archive.documents["repost"]]


def test_api_version(web: Web) -> None:
    body = web.client.get(f"/api/versions/{web.archive.versions['2024b']}").json()
    assert "新增家庭医生签约服务" in body["text"] and body["version"]["has_raw_capture"] is False
    assert [t["value"] for t in body["targets"]] == [7.86, 80]


def test_api_targets_by_scope(web: Web) -> None:
    a = web.archive
    series = web.client.get("/api/targets", params={"series": a.series_id}).json()
    assert a.documents["repost"] not in {r["document_id"] for r in series}  # the series shows originals
    assert [(r["plan_year"], r["value"]) for r in series if r["indicator"] == BEDS] == [(2022, 6.5), (2023, 7.0), (2024, 7.86)]
    indicator = web.client.get("/api/targets", params={"indicator": BEDS}).json()
    assert {r["document_id"] for r in indicator} == {a.documents[n] for n in ("2022", "2023", "2024", "repost", "evil")}
    assert {r["indicator"] for r in indicator} == {BEDS}
    filtered = web.client.get("/api/targets", params={"region": "遂宁市", "year": 2023}).json()
    assert {r["document_id"] for r in filtered} == {a.documents["repost"]}
    searched = web.client.get("/api/targets", params={"q": "家庭医生"}).json()
    assert {r["document_id"] for r in searched} == {a.documents["2024"]}
    assert set(series[0]) == set(COLUMNS)


def test_api_series_and_indicator(web: Web) -> None:
    series = web.client.get(f"/api/series/{web.archive.series_id}").json()
    assert series["years"] == [2022, 2023, 2024]
    row = next(r for r in series["rows"] if r["key"] == BEDS)
    assert row["cells"]["2024"]["changes"] == ["target-raised", "target-raised"] and row["unit"] == "张"
    assert [row["cells"][y]["targets"][0]["value"] for y in ("2022", "2023", "2024")] == [6.5, 7.0, 7.86]
    indicator = web.client.get(f"/api/indicators/{quote(BEDS, safe='')}").json()
    assert [r["key"] for r in indicator["rows"]] == ["贵阳市", "遂宁市"] and indicator["series"] == [web.archive.series_id]


def test_api_changes(web: Web) -> None:
    raised = web.client.get("/api/changes", params={"kind": "target-raised"}).json()
    assert [c["id"] for c in raised["items"]] == [web.archive.changes["raised2"], web.archive.changes["raised"]]
    assert raised["items"][1]["detail"]["new"]["value"] == 7.5 and raised["items"][1]["detail"]["old_year"] == 2023
    cell = web.client.get("/api/changes", params={"series": web.archive.series_id, "indicator": BEDS, "year": 2024}).json()
    assert len(cell["items"]) == 2
    one = web.client.get(f"/api/changes/{web.archive.changes['edit']}").json()
    assert one["kind"] == "text-edit" and "dedup_key" not in one


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/documents/999999", 404), ("/api/documents/x", 422), ("/api/documents?year=x", 422),
     ("/api/changes?kind=nope", 422), ("/api/series/999999", 404), ("/api/indicators/没有", 404),
     ("/api/nope", 404), ("/export/targets.xml", 422), ("/api/targets?document=0", 422)],
)
def test_api_errors_are_json(web_sqlite: Web, path: str, status: int) -> None:
    response = web_sqlite.client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json") or path.startswith("/export")
    if path.startswith("/api"):
        assert "detail" in response.json()


def test_api_422_names_the_bad_parameter(web_sqlite: Web) -> None:
    body = web_sqlite.client.get("/api/documents?year=x").json()
    assert any(error.startswith("year:") for error in body["errors"])


def test_json_keeps_chinese_as_is(web_sqlite: Web) -> None:
    raw = web_sqlite.client.get("/api/sources").content.decode("utf-8")
    assert "贵阳市" in raw and "\\u" not in raw
    exported = web_sqlite.client.get("/export/targets.json", params={"series": web_sqlite.archive.series_id}).content.decode("utf-8")
    assert BEDS in exported and "\\u" not in exported


def test_csv_export_of_a_series(web: Web) -> None:
    response = web.client.get("/export/targets.csv", params={"series": web.archive.series_id})
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="targets-series-{web.archive.series_id}.csv"'
    assert response.content.startswith("\ufeff".encode())  # spreadsheet programs then read UTF-8
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert tuple(rows[0]) == COLUMNS
    beds = [(r["plan_year"], r["display"], r["sentence"]) for r in rows if r["indicator"] == BEDS]
    assert beds == [("2022", "≥6.5张", "每千人口医疗卫生机构床位数达到6.5张。"), ("2023", "≥7张", "每千人口医疗卫生机构床位数达到7张。"),
                    ("2024", "≥7.86张", "每千人口医疗卫生机构床位数达到7.86张。")]


def test_json_export_equals_the_api(web: Web) -> None:
    for params in ({"document": web.archive.documents["2024"]}, {"indicator": BEDS}, {"region": "贵阳市"}, {"q": "医保"}):
        exported = web.client.get("/export/targets.json", params=params)
        assert exported.headers["content-disposition"].startswith("attachment; filename=\"targets")
        assert json.loads(exported.content) == web.client.get("/api/targets", params=params).json()


def test_every_list_view_links_its_exports(web_sqlite: Web) -> None:
    a = web_sqlite.archive
    for path, link in [
        ("/documents?region=贵阳市", "/export/targets.csv?region=%E8%B4%B5%E9%98%B3%E5%B8%82"),
        (f"/documents/{a.documents['2024']}", f"/export/targets.csv?document={a.documents['2024']}"),
        (f"/series/{a.series_id}", f"/export/targets.json?series={a.series_id}"),
        (f"/indicators/{quote(BEDS, safe='')}", "/export/targets.csv?indicator=" + quote(BEDS)),
    ]:
        html = web_sqlite.client.get(path).text
        assert f'href="{link}"' in html, path
        assert web_sqlite.client.get(link).status_code == 200


ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_of_changes(web: Web) -> None:
    from lxml import etree

    response = web.client.get("/feeds/changes.atom")
    assert response.status_code == 200 and response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = etree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    assert {f"http://testserver/changes/{web.archive.changes[name]}" for name in ("new", "raised", "edit", "evil")} <= ids
    assert all(e.find(f"{ATOM}link").get("href").startswith("http://testserver/") for e in entries)  # absolute links
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert any(title and title.startswith("新计划：<script>") for title in titles)  # text in the XML, never markup
    assert b"<script>" not in response.content
    raised = etree.fromstring(web.client.get("/feeds/changes.atom", params={"kind": "target-raised"}).content)
    assert len(raised.findall(f"{ATOM}entry")) == 2
    grouped = etree.fromstring(web.client.get("/feeds/changes.atom", params={"kind": "targets", "source": "gy"}).content)
    assert len(grouped.findall(f"{ATOM}entry")) == 2
    assert web.client.get("/feeds/changes.atom", params={"kind": "bogus"}).status_code == 422
    assert 'type="application/atom+xml"' in web.client.get("/changes").text
