"""``planwatch subscribers``, ``digest`` and ``feed`` as a user runs them: real processes,
a real SMTP server, one-line errors, and a password that never shows."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from digest_seed import PASSWORD, TlsFiles, seed_store
from sqlalchemy.engine import Engine

from reports.smtp_capture import CaptureServer

pytest_plugins = ["digest_fixtures"]
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    full.update({"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_DIGEST_FIRST_LOOKBACK_DAYS": "0",
                 "PLANWATCH_DIGEST_ARCHIVE_BASE_URL": "http://archive.test:8000"})
    full.update({f"PLANWATCH_{key.upper()}": value for key, value in env.items()})
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=full, cwd=data_dir.parent, timeout=120)


def one_line_error(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_subscribers_add_list_remove(sqlite_engine: Engine, data_dir: Path) -> None:
    added = run(data_dir, "subscribers", "add", "me@example.org", "--region", "贵州省/贵阳市", "--keyword", "床位",
                "--kind", "targets", "--source", "gy-wjw")
    assert added.returncode == 0 and "subscribed me@example.org: regions 贵州省/贵阳市" in added.stdout
    assert "no source gy-wjw in the store yet" in added.stderr
    listed = json.loads(run(data_dir, "subscribers", "list", "--json").stdout)
    assert listed[0]["regions"] == ["贵州省/贵阳市"] and listed[0]["keywords"] == ["床位"]
    assert "target-raised" in listed[0]["kinds"] and listed[0]["waiting_in_outbox"] == 0
    assert "贵州省/贵阳市" in run(data_dir, "subscribers", "list").stdout
    one_line_error(run(data_dir, "subscribers", "add", "ME@example.org"), 2, "already subscribed")
    assert run(data_dir, "subscribers", "remove", "me@example.org").stdout.strip() == "removed me@example.org"
    assert json.loads(run(data_dir, "subscribers", "list", "--json").stdout) == []
    assert json.loads(run(data_dir, "subscribers", "list", "--json", "--all").stdout)[0]["active"] is False
    assert run(data_dir, "subscribers", "add", "me@example.org", "--kind", "plans").returncode == 0


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["subscribers", "add", "not-an-address"], ["'not-an-address' is not a mail address"]),
        (["subscribers", "add", "a@example.org\nBcc: x@evil.org"], ["is not a mail address"]),
        (["subscribers", "add", "a@example.org", "--kind", "target-up"], ["unknown change kind 'target-up'", "targets"]),
        (["subscribers", "remove", "nobody@example.org"], ["nobody@example.org is not subscribed"]),
        (["digest", "--since", "yesterday"], ["--since 'yesterday' is not a date"]),
        (["digest", "--to", "x y@example.org"], ["is not a mail address"]),
        (["feed", "--kind", "nope"], ["unknown change kind 'nope'"]),
    ],
    ids=["address", "header-injection", "kind", "remove-unknown", "since", "to", "feed-kind"],
)
def test_bad_input_is_one_line(sqlite_engine: Engine, data_dir: Path, args: list[str], needles: list[str]) -> None:
    one_line_error(run(data_dir, *args), 2, *needles)


def test_preview_marks_nothing_send_mails_once(sqlite_engine: Engine, data_dir: Path, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    run(data_dir, "subscribers", "add", "gz@example.org", "--region", "贵州省")
    preview = run(data_dir, "digest", "--out", str(data_dir / "out.html"), smtp_port=str(smtp.port))
    assert preview.returncode == 0 and "rendered, nothing marked" in preview.stdout and "preview" in preview.stdout
    assert "≥8.2张" in (data_dir / "out.html").read_text(encoding="utf-8") and smtp.messages == []
    sent = run(data_dir, "digest", "--send", "--json", smtp_port=str(smtp.port))
    assert sent.returncode == 0, sent.stderr
    summary = json.loads(sent.stdout)
    assert summary["delivered"] == 1 and summary["results"][0]["change_count"] == 5
    (message,) = smtp.messages
    assert message.rcpt_tos == ("gz@example.org",) and "指标调整2项" in message.message["Subject"]
    again = run(data_dir, "digest", "--send", smtp_port=str(smtp.port))
    assert again.returncode == 0 and "nothing new; no mail" in again.stdout and len(smtp.messages) == 1


def test_refused_send_exits_4_and_stays_in_the_outbox(sqlite_engine: Engine, data_dir: Path, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    run(data_dir, "subscribers", "add", "a@example.org")
    smtp.refuse("550 5.7.1 Relaying denied")
    one_line_error(run(data_dir, "digest", "--send", smtp_port=str(smtp.port)), 4,
                   "1 digest(s) not delivered; a@example.org", "550 5.7.1 Relaying denied", "stays in the outbox")
    listed = json.loads(run(data_dir, "subscribers", "list", "--json").stdout)
    assert listed[0]["waiting_in_outbox"] == 1 and listed[0]["last_delivered_at"] is None


def test_ad_hoc_address_and_out_file(sqlite_engine: Engine, data_dir: Path, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    run(data_dir, "subscribers", "add", "a@example.org")
    run(data_dir, "subscribers", "add", "b@example.org")
    one_line_error(run(data_dir, "digest", "--out", str(data_dir / "x.html")), 2, "--out takes one digest", "--to EMAIL")
    one_line_error(run(data_dir, "digest", "--send", "--since", "2024-03-01"), 2, "--since only previews for subscribers")
    sent = run(data_dir, "digest", "--send", "--to", "boss@example.org", "--since", "2024-03-05",
               "--out", str(data_dir / "boss.html"), smtp_port=str(smtp.port))
    assert sent.returncode == 0, sent.stderr
    (message,) = smtp.messages
    assert message.rcpt_tos == ("boss@example.org",) and message.message["List-Unsubscribe"] is None
    assert "新发布的计划" in (data_dir / "boss.html").read_text(encoding="utf-8")
    later = run(data_dir, "digest", "--to", "boss@example.org", "--since", "2024-03-06")
    assert later.returncode == 0 and "│ 0 " in later.stdout


def test_smtp_password_never_in_output_logs_or_data(sqlite_engine: Engine, data_dir: Path, tls_files: TlsFiles) -> None:
    seed_store(sqlite_engine)
    run(data_dir, "subscribers", "add", "a@example.org")
    forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
             base64.b64encode(b"\0planwatch\0" + PASSWORD.encode()).decode()]
    with CaptureServer(tls_context=tls_files.server_context(), credentials=("planwatch", "another")) as server:
        env = {"smtp_port": str(server.port), "smtp_security": "starttls", "smtp_ca_file": str(tls_files.cert),
               "smtp_user": "planwatch", "smtp_password": PASSWORD, "log_level": "DEBUG",
               "digest_retry_base_seconds": "0"}  # retry at once
        refused = run(data_dir, "digest", "--send", **env)
        one_line_error(refused, 4, "authentication failed: 535", "PLANWATCH_SMTP_PASSWORD")
        shown = run(data_dir, "config", "--json", **env)
        server.credentials = ("planwatch", PASSWORD)
        accepted = run(data_dir, "digest", "--send", **env)
        assert accepted.returncode == 0, accepted.stderr
        assert server.messages and server.messages[0].auth_user == "planwatch", accepted.stdout
    written = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for form in forms:
        for result in (refused, shown, accepted):
            assert form not in result.stdout + result.stderr
        assert form.encode() not in written


def test_feed_cli_writes_atom(sqlite_engine: Engine, data_dir: Path) -> None:
    seed_store(sqlite_engine)
    out = data_dir / "feeds" / "sc.atom"
    result = run(data_dir, "feed", "--region", "四川省", "--out", str(out))
    assert result.returncode == 0 and f"wrote {out}" in result.stderr
    entries = ET.parse(out).getroot().findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2
    stdout = run(data_dir, "feed", "--kind", "plans")
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in ET.fromstring(stdout.stdout.encode()).iter(
        "{http://www.w3.org/2005/Atom}entry")]
    assert titles == ["新计划：2024年贵阳市卫生健康工作要点"]


def test_a_refused_digest_says_when_it_is_retried_and_retry_now_sends_it(sqlite_engine: Engine, data_dir: Path,
                                                                          smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    run(data_dir, "subscribers", "add", "a@example.org")
    smtp.refuse("451 4.3.0 Try again later")
    one_line_error(run(data_dir, "digest", "--send", smtp_port=str(smtp.port)), 4, "451 4.3.0 Try again later",
                   "stays in the outbox and is retried by the first digest run after 20", "--retry-now")
    smtp.accept()  # the server is back, well before the 5-minute backoff ran out
    waiting = run(data_dir, "digest", "--send", "--json", smtp_port=str(smtp.port))
    assert waiting.returncode == 0 and smtp.messages == []
    (result,) = json.loads(waiting.stdout)["results"]
    assert result["status"] == "waiting" and result["next_attempt_at"] is not None
    assert "next attempt 20" in result["detail"] and "451 4.3.0 Try again later" in result["detail"]
    assert "--retry-now" in result["detail"]
    shown = run(data_dir, "digest", "--send", smtp_port=str(smtp.port))
    assert "waiting" in shown.stdout and "CST" in shown.stdout  # the retry time, in Asia/Shanghai
    one_line_error(run(data_dir, "digest", "--retry-now"), 2, "--retry-now only makes sense with --send")

    forced = run(data_dir, "digest", "--send", "--retry-now", "--json", smtp_port=str(smtp.port))
    assert forced.returncode == 0, forced.stderr
    assert [(r["status"], r["retried"]) for r in json.loads(forced.stdout)["results"]] == [
        ("delivered", True), ("empty", False)]
    (message,) = smtp.messages
    assert message.rcpt_tos == ("a@example.org",)
    again = run(data_dir, "digest", "--send", "--retry-now", smtp_port=str(smtp.port))
    assert again.returncode == 0 and len(smtp.messages) == 1  # nothing refused is left; nothing sent twice
    listed = json.loads(run(data_dir, "subscribers", "list", "--json").stdout)
    assert listed[0]["waiting_in_outbox"] == 0 and listed[0]["last_delivered_at"] is not None
