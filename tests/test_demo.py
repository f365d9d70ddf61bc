"""`planwatch demo` end to end as a newcomer runs it: the digest captured as .eml and
.html (naming the edited target and the new plan), the printed pages served by the
archive browser, reruns starting clean, and the serving mode stopped with Ctrl-C."""

from __future__ import annotations

import html
import re
import signal
import socket
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from monitor_helpers import PLANWATCH, clean_env, planwatch, start_planwatch, wait_until

from crawler.fixture_site import MANIFEST
from monitor.demo import MARKER

pytestmark = pytest.mark.slow

EDITED = next(plan for plan in MANIFEST if plan.next_change == "edited")
NEW = next(plan for plan in MANIFEST if plan.next_change == "new")
EDITED_TARGET = re.compile(r"孕产妇死亡率[^。]{0,120}?12\s*(?:/10万\s*→\s*≤?)?\s*10\s*/10万")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _printed_urls(stdout: str, port: int) -> dict[str, str]:
    found = re.findall(rf"^\s+(.+?)\s{{2,}}(http://127\.0\.0\.1:{port}/\S*)$", stdout, re.M)
    return {name.strip(): url for name, url in found}


def test_demo_without_serving_captures_the_digest_and_prints_pages_that_exist(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "demo", _free_port()
    result = planwatch({}, "demo", "--no-serve", "--data-dir", str(data_dir), "--port", str(port), timeout=600)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for step in range(1, 8):
        assert f"[{step}/7]" in out
    assert "nothing is fetched from the internet" in out and "wiped" not in out

    emls, htmls = sorted((data_dir / "mail").glob("*.eml")), sorted((data_dir / "mail").glob("*.html"))
    assert len(emls) == 1 and len(htmls) == 1, sorted((data_dir / "mail").iterdir())
    message = message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert message["To"] == "demo@example.org"
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    assert html_part.get_content().replace("\r\n", "\n") == htmls[0].read_bytes().decode("utf-8")
    digest = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", htmls[0].read_text(encoding="utf-8"))).split())
    assert NEW.title in digest, "the new plan"
    # The edit 12/10万 → 10/10万, as a target row (≤12/10万 → ≤10/10万) or a marked text excerpt (控制在 12 10 /10万).
    assert EDITED_TARGET.search(digest), "the edited target, its old and new value"
    assert str(htmls[0]) in out

    urls = _printed_urls(out, port)
    assert set(urls) >= {"home", "the new plan", "the edit, compared", "its series, year by year"}, out
    server = start_planwatch(clean_env({}), "--config", str(data_dir / "planwatch.toml"), "serve", "--no-index")
    try:
        wait_until(lambda: _answers(urls["home"]), 60, "the archive browser")
        pages = {name: httpx.get(url, timeout=30) for name, url in urls.items()}
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(urls, 200)
    assert NEW.title in pages["the new plan"].text
    assert EDITED.edit is not None and "孕产妇死亡率" in pages["the edit, compared"].text
    assert "孕产妇死亡率" in pages["its series, year by year"].text


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_demo_refuses_a_directory_it_did_not_make(tmp_path: Path) -> None:
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "planwatch.db").write_bytes(b"real data")
    result = planwatch({}, "demo", "--no-serve", "--data-dir", str(precious))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {precious} is not empty and was not made by planwatch demo (no {MARKER} file) "
        "(choose another --data-dir, or empty it yourself)"]
    assert (precious / "planwatch.db").read_bytes() == b"real data"


def test_demo_serves_until_ctrl_c_and_reruns_start_clean(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "demo", _free_port()
    data_dir.mkdir()
    (data_dir / MARKER).write_text("", encoding="utf-8")
    (data_dir / "left-over.txt").write_text("from an earlier run", encoding="utf-8")
    demo = subprocess.Popen([PLANWATCH, "demo", "--data-dir", str(data_dir), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env({}))
    assert demo.stdout is not None
    lines = []
    for line in demo.stdout:
        lines.append(line)
        if "Ctrl-C stops the demo" in line:
            break
    out = "".join(lines)
    try:
        assert "wiped first" in out and not (data_dir / "left-over.txt").exists()
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/"), 60, "the demo's archive browser")
    finally:
        demo.send_signal(signal.SIGINT)
        _rest, err = demo.communicate(timeout=60)
    assert demo.returncode == 0, err
    assert len(list((data_dir / "mail").glob("*.eml"))) == 1
