"""SMTP delivery against a real aiosmtpd server on 127.0.0.1: plain, STARTTLS, SSL,
AUTH, refusals, and a password that never shows up anywhere."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from digest_seed import PASSWORD, TlsFiles, make_config

from reports.channels import FileChannel, SmtpChannel, channel_for
from reports.mailer import SmtpSettings, build_message, message_id_for, send_raw
from reports.smtp_capture import CaptureServer, free_port
from store.errors import ConfigError, DeliveryError

pytest_plugins = ["digest_fixtures"]
# aiosmtpd does not count implicit TLS (SMTPS) as TLS when AUTH is required.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

WHEN = datetime(2024, 3, 5, 0, 30, tzinfo=UTC)


def _message(to: str = "reader@example.org") -> bytes:
    message = build_message(
        sender="planwatch <digest@planwatch.example.org>", to=to, subject="planwatch 摘要 2024-03-05:指标调整2项",
        text="床位数 ≥7.86张 → ≥8.2张", html="<p>床位数 ≥7.86张 → <b>≥8.2张</b></p>",
        message_id=message_id_for(7, "fingerprint", "digest@planwatch.example.org"), date=WHEN,
        unsubscribe=["http://archive.test/unsubscribe?token=abc", "mailto:unsub@example.org?subject=unsubscribe%20abc"],
    )
    return message.as_bytes()


def test_message_has_every_header_and_both_parts(smtp: CaptureServer) -> None:
    raw = _message()
    receipt = send_raw(SmtpSettings("127.0.0.1", smtp.port), sender="digest@planwatch.example.org",
                       recipients=["reader@example.org"], raw=raw)
    assert receipt.startswith("accepted by 127.0.0.1")
    (captured,) = smtp.messages
    assert captured.mail_from == "digest@planwatch.example.org" and captured.rcpt_tos == ("reader@example.org",)
    assert raw.isascii() and captured.data.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    message = captured.message
    assert message["From"] == "planwatch <digest@planwatch.example.org>" and message["To"] == "reader@example.org"
    assert message["Subject"] == "planwatch 摘要 2024-03-05:指标调整2项"
    assert "=?utf-8?" in captured.data.decode("ascii").split("Subject:", 1)[1].splitlines()[0]
    assert parsedate_to_datetime(message["Date"]) == WHEN and message["Date"].endswith("+0800")
    assert message["Message-ID"] == message_id_for(7, "fingerprint", "x@planwatch.example.org")
    assert message["Message-ID"].startswith("<digest-7-") and message["Message-ID"].endswith("@planwatch.example.org>")
    assert message["List-Unsubscribe"] == ("<http://archive.test/unsubscribe?token=abc>, "
                                           "<mailto:unsub@example.org?subject=unsubscribe%20abc>")
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content().strip() == "床位数 ≥7.86张 → ≥8.2张"
    assert "<b>≥8.2张</b>" in html.get_content()


@pytest.mark.parametrize(("targets", "one_click"), [
    (["https://archive.example.org/unsubscribe?token=abc", "mailto:unsub@example.org"], True),
    (["http://archive.test/unsubscribe?token=abc", "mailto:unsub@example.org"], False),  # RFC 8058: HTTPS only
    (["mailto:unsub@example.org"], False),
], ids=["https", "http", "mailto-only"])
def test_one_click_header_only_with_an_https_unsubscribe_link(targets: list[str], one_click: bool) -> None:
    message = build_message(sender="digest@planwatch.example.org", to="reader@example.org", subject="s", text="t",
                            html="<p>t</p>", message_id="<m@x>", date=WHEN, unsubscribe=targets)
    assert message["List-Unsubscribe"] == ", ".join(f"<{t}>" for t in targets)
    assert message.get("List-Unsubscribe-Post") == ("List-Unsubscribe=One-Click" if one_click else None)


def test_message_id_depends_only_on_the_digest() -> None:
    assert message_id_for(7, "a", "x@h.org") == message_id_for(7, "a", "y@h.org")
    assert message_id_for(7, "a", "x@h.org") != message_id_for(8, "a", "x@h.org")
    assert message_id_for(7, "a", "x@h.org") != message_id_for(7, "b", "x@h.org")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_auth_is_accepted(tls_files: TlsFiles, security: str) -> None:
    with CaptureServer(tls_context=tls_files.server_context(), implicit_tls=security == "ssl",
                       credentials=("planwatch", PASSWORD)) as server:
        settings = SmtpSettings("127.0.0.1", server.port, security, "planwatch", PASSWORD, 10, str(tls_files.cert))
        send_raw(settings, sender="digest@planwatch.example.org", recipients=["a@example.org"], raw=_message("a@example.org"))
        (captured,) = server.messages
    assert captured.auth_user == "planwatch" and captured.rcpt_tos == ("a@example.org",)


def test_unverifiable_certificate_is_a_tls_error_with_a_hint(tls_files: TlsFiles) -> None:
    with CaptureServer(tls_context=tls_files.server_context(), implicit_tls=True) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "ssl", timeout=10)  # no ca_file: system CAs only
        with pytest.raises(DeliveryError, match="TLS failed") as caught:
            send_raw(settings, sender="a@b.org", recipients=["c@d.org"], raw=_message())
    assert "smtp.ca_file" in caught.value.hint and server.messages == []


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "550 5.7.1 Relaying denied"])
def test_refusal_is_a_delivery_error_naming_the_reply(smtp: CaptureServer, reply: str) -> None:
    smtp.refuse(reply)
    with pytest.raises(DeliveryError, match=reply.split()[0]) as caught:
        send_raw(SmtpSettings("127.0.0.1", smtp.port), sender="a@b.org", recipients=["c@d.org"], raw=_message())
    assert reply in caught.value.one_line() and caught.value.exit_code == 4
    assert smtp.messages == []


def test_unreachable_server_is_a_delivery_error() -> None:
    settings = SmtpSettings("127.0.0.1", free_port(), timeout=5)
    with pytest.raises(DeliveryError, match=r"cannot talk to the server: ConnectionRefusedError"):
        send_raw(settings, sender="a@b.org", recipients=["c@d.org"], raw=_message())


def test_password_never_in_errors_logs_or_repr(tls_files: TlsFiles, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
             base64.b64encode(b"\0planwatch\0" + PASSWORD.encode()).decode()]
    with CaptureServer(tls_context=tls_files.server_context(), credentials=("planwatch", "other")) as server:
        settings = SmtpSettings("127.0.0.1", server.port, "starttls", "planwatch", PASSWORD, 10, str(tls_files.cert))
        with pytest.raises(DeliveryError, match="authentication failed: 535") as caught:
            send_raw(settings, sender="a@b.org", recipients=["c@d.org"], raw=_message())
    shown = "\n".join([caught.value.one_line(), repr(settings), str(settings), caplog.text])
    assert "PLANWATCH_SMTP_PASSWORD" in caught.value.hint
    for form in forms:
        assert form not in shown


def test_file_channel_writes_one_eml_per_digest(data_dir: Path) -> None:
    config = make_config(data_dir, 25, digest_channel="file")
    channel = channel_for(config)
    assert isinstance(channel, FileChannel)
    raw = _message()
    for _ in range(2):  # delivering the same digest again rewrites the same file
        receipt = channel.deliver(raw, sender="a@b.org", recipients=["c@d.org"], message_id="<digest-7-ab@x.org>")
    (eml,) = (data_dir / "mail").iterdir()
    assert eml.name == "digest-7-ab@x.org.eml" and receipt == f"written to {eml}"
    assert eml.read_bytes() == raw


def test_channels_by_name_and_unknown_names_list_the_valid_ones(data_dir: Path) -> None:
    assert isinstance(channel_for(make_config(data_dir, 25)), SmtpChannel)
    with pytest.raises(ConfigError, match=r"digest.channel 'pigeon' is not a delivery channel; valid: file, smtp"):
        channel_for(make_config(data_dir, 25, digest_channel="pigeon"))
