"""Digest mail over SMTP with the standard library: building the message, sending it.

Messages are multipart/alternative (plain text first, then HTML), both parts UTF-8 in
base64 (for Chinese text less than half the size of quoted-printable), so the
serialized message is pure ASCII and is sent byte for byte the same every time (the outbox stores it and re-sends exactly these bytes). Chinese
headers (Subject) are RFC 2047-encoded by :mod:`email`.

Connection security is a table (:data:`CONNECTORS`: ``plain``, ``starttls``, ``ssl``);
certificates are verified against the system CAs or ``smtp.ca_file``. AUTH runs when
``smtp.user`` is set, with the password from ``PLANWATCH_SMTP_PASSWORD`` (the secret
setting ``smtp.password``). The password is never logged, never part of a repr, and
scrubbed from any server reply that made it into an error message.

Every failure becomes a :class:`DeliveryError` with one line saying what the server
said; the message is then "not accepted" and the outbox retries it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

from store.errors import DeliveryError
from store.settings import Config

__all__ = [
    "CONNECTORS",
    "SmtpSettings",
    "build_message",
    "envelope_address",
    "is_address",
    "message_id_for",
    "send_raw",
]

log = logging.getLogger("planwatch.mail")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect; the password is kept out of repr and logs."""

    host: str
    port: int
    security: str = "plain"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    ca_file: str = ""

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings:
        return cls(
            host=str(config["smtp.host"]), port=int(config["smtp.port"]), security=str(config["smtp.security"]),
            user=str(config["smtp.user"]), password=str(config["smtp.password"]),
            timeout=float(config["smtp.timeout"]), ca_file=str(config["smtp.ca_file"]),
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"

    def tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file or None)


def _plain(settings: SmtpSettings) -> smtplib.SMTP:
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _starttls(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        smtp.ehlo()
        smtp.starttls(context=settings.tls_context())
        smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _ssl(settings: SmtpSettings) -> smtplib.SMTP:
    return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=settings.tls_context())


# How to open a connection for each ``smtp.security`` value.
CONNECTORS: dict[str, Callable[[SmtpSettings], smtplib.SMTP]] = {
    "plain": _plain,
    "starttls": _starttls,
    "ssl": _ssl,
}


_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@(?:[^@\s<>,;\"]+\.[^@\s<>,;\"]+|localhost)$")


def is_address(text: str) -> bool:
    """A plain mail address: no display name, no spaces, nothing that could add a header."""
    return bool(_ADDRESS.match(text))


def envelope_address(header: str) -> str:
    """The bare address of a From header such as ``planwatch <pw@example.org>``."""
    return parseaddr(header)[1] or header.strip()


def message_id_for(digest_id: int, fingerprint: str, from_addr: str) -> str:
    """A Message-ID fixed by the digest: ``<digest-12-3fa1c0d2e4b5@example.org>``."""
    domain = envelope_address(from_addr).rpartition("@")[2] or "planwatch"
    digest = hashlib.sha256(f"{digest_id}|{fingerprint}".encode()).hexdigest()[:12]
    return f"<digest-{digest_id}-{digest}@{domain}>"


def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str, message_id: str,
    date: datetime, timezone: str = "Asia/Shanghai", unsubscribe: Sequence[str] = (),
) -> EmailMessage:
    """A multipart/alternative message with the headers a mail client expects."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date.astimezone(ZoneInfo(timezone)))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        message["List-Unsubscribe"] = ", ".join(f"<{target}>" for target in unsubscribe)
        if any(target.startswith("https://") for target in unsubscribe):  # RFC 8058 needs an HTTPS URI
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="base64")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return message


def _scrub(text: str, settings: SmtpSettings) -> str:
    """Remove the password (plain and as AUTH would encode it) from ``text``."""
    if not settings.password:
        return text
    secret = settings.password.encode()
    forms = {
        settings.password,
        base64.b64encode(secret).decode(),
        base64.b64encode(b"\0" + settings.user.encode() + b"\0" + secret).decode(),
    }
    for form in forms:
        text = text.replace(form, "***")
    return text


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _describe(exc: BaseException) -> tuple[str, str | None]:
    """One line for a failed delivery, and a hint when the user can act on it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = "; ".join(f"{rcpt}: {_reply(*reply)}" for rcpt, reply in exc.recipients.items())
        return f"recipient refused: {replies}", None
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender {exc.sender} refused: {_reply(exc.smtp_code, exc.smtp_error)}", "check smtp.from_addr"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"authentication failed: {_reply(exc.smtp_code, exc.smtp_error)}",
                "check smtp.user and PLANWATCH_SMTP_PASSWORD")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"server does not support it: {exc}", "check smtp.security (plain, starttls, ssl)"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"server refused: {_reply(exc.smtp_code, exc.smtp_error)}", None
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS failed: {exc}", "check smtp.security, smtp.port and smtp.ca_file"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"server closed the connection: {exc}", None
    if isinstance(exc, OSError | smtplib.SMTPException):
        return f"cannot talk to the server: {type(exc).__name__}: {exc}", None
    return f"{type(exc).__name__}: {exc}", None


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH; smtplib only encodes ASCII credentials, so others go as UTF-8 AUTH PLAIN (RFC 4616)."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("the server offers no AUTH PLAIN for a non-ASCII user or password")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    # After DATA was accepted nothing may turn the delivery into a failure: QUIT errors are ignored.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def send_raw(settings: SmtpSettings, *, sender: str, recipients: Sequence[str], raw: bytes) -> str:
    """Hand ``raw`` to the server; returns a receipt once the server accepted it.

    Raises :class:`DeliveryError` (one line, never the password) on any refusal or failure.
    """
    connect = CONNECTORS.get(settings.security)
    if connect is None:
        raise DeliveryError(f"unknown smtp.security {settings.security!r}; valid: {', '.join(CONNECTORS)}")
    try:
        smtp = connect(settings)
        try:
            if settings.user:
                _login(smtp, settings.user, settings.password)
            smtp.sendmail(sender, list(recipients), raw)
        finally:
            _close_quietly(smtp)
    except Exception as exc:
        message, hint = _describe(exc)
        message = _scrub(f"{settings.where}: {message}", settings)
        log.info("delivery to %s failed: %s", ", ".join(recipients), message)
        raise DeliveryError(message, hint=hint) from None
    receipt = f"accepted by {settings.where}"
    log.info("mail to %s %s", ", ".join(recipients), receipt)
    return receipt
