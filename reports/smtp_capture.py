"""A capturing SMTP server on 127.0.0.1 (aiosmtpd), for the demo and the tests.

It keeps every accepted message in memory, can be told to refuse (``refuse("451 4.3.0
try later")``) and to accept again, can require AUTH, and speaks STARTTLS or implicit
TLS when given an SSL context. Hooks in ``before_accept`` run after DATA arrived and
before the 250 answer (tests use one to hold the database between "server accepted"
and "planwatch recorded it").

The port is found by binding a socket to port 0 first, then handed to the controller
(aiosmtpd 1.4's ``Controller(port=0)`` cannot report the port it got).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["CaptureServer", "CapturedMessage", "free_port"]

ACCEPTED = "250 2.0.0 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class CapturedMessage:
    """One message the server accepted: envelope and raw bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    auth_user: str | None = None

    @property
    def message(self) -> EmailMessage:
        message: EmailMessage = message_from_bytes(self.data, policy=policy.default)
        return message


@dataclass
class _Handler:
    reply: str | None = None  # None: accept
    messages: list[CapturedMessage] = field(default_factory=list)
    before_accept: list[Callable[[CapturedMessage], None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply is not None:
            return self.reply
        auth = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        captured = CapturedMessage(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content), auth)
        for hook in list(self.before_accept):
            hook(captured)
        with self.lock:
            self.messages.append(captured)
        return ACCEPTED


class CaptureServer:
    """Start with ``with CaptureServer() as server:``; ``server.port``, ``server.messages``."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int | None = None, tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False, credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.handler = _Handler()
        self.credentials = credentials
        kwargs: dict[str, Any] = {}
        if tls_context is not None and implicit_tls:
            kwargs["ssl_context"] = tls_context
        elif tls_context is not None:
            kwargs["tls_context"] = tls_context
        if credentials is not None:
            # With implicit TLS aiosmtpd does not see the session as TLS: do not require it again.
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=tls_context is not None and not implicit_tls)
        self.controller = Controller(self.handler, hostname=host, port=self.port, **kwargs)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.credentials is not None and (
            auth_data.login.decode(), auth_data.password.decode()) == self.credentials
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> CaptureServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> CaptureServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[CapturedMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
        self.handler.before_accept.clear()
        self.handler.reply = None

    def refuse(self, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer DATA with ``reply`` (4xx or 5xx) from now on."""
        self.handler.reply = reply

    def accept(self) -> None:
        self.handler.reply = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[CapturedMessage]:
        """The messages once at least ``count`` arrived (TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
            time.sleep(0.02)
        return self.messages
