"""Security for every response: optional authentication and headers that keep
scraped content inert.

- Authentication (for deployments beyond 127.0.0.1): HTTP basic auth when
  ``web.auth_user`` is set (password from ``PLANWATCH_WEB_AUTH_PASSWORD``) and/or a
  bearer token from ``PLANWATCH_WEB_TOKEN``. Either one configured makes every route
  require one of them; credentials are compared in constant time. :data:`PUBLIC_PATHS`
  need none: ``/unsubscribe`` is opened from a digest by readers without the archive
  password, and its own token is its credential.
- Headers: a Content-Security-Policy without scripts on every page (a route may set
  a stricter one, as the raw-capture route does), ``nosniff``, no referrer to the
  government sites we link to, framing only by ourselves.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from reports.web.render import page
from store.errors import ConfigError
from store.settings import Config

__all__ = ["PAGE_CSP", "PUBLIC_PATHS", "RAW_CSP", "SECURITY_HEADERS", "Credentials", "security_middleware"]

PAGE_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
RAW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Paths served without archive credentials (exact matches).
PUBLIC_PATHS: frozenset[str] = frozenset({"/unsubscribe"})

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Credentials:
    """What a request must present; nothing required when both are empty."""

    user: str = ""
    password: str = ""
    token: str = ""

    @classmethod
    def from_config(cls, config: Config) -> Credentials:
        user, password = str(config["web.auth_user"]), str(config["web.auth_password"])
        if user and not password:
            raise ConfigError("web.auth_user is set but no password is",
                              hint="set PLANWATCH_WEB_AUTH_PASSWORD, or clear web.auth_user")
        return cls(user, password, str(config["web.token"]))

    @property
    def required(self) -> bool:
        return bool(self.user or self.token)

    def accepts(self, authorization: str) -> bool:
        """True when the Authorization header carries valid basic or bearer credentials."""
        scheme, _, value = authorization.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme == "bearer" and self.token:
            return secrets.compare_digest(value.encode(), self.token.encode())
        if scheme == "basic" and self.user:
            try:
                user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            user_ok = secrets.compare_digest(user.encode(), self.user.encode())
            return secrets.compare_digest(password.encode(), self.password.encode()) and user_ok
        return False

    @property
    def challenge(self) -> str:
        return 'Basic realm="planwatch archive", charset="UTF-8"' if self.user else 'Bearer realm="planwatch archive"'


def _unauthorised(request: Request, credentials: Credentials) -> Response:
    headers = {"WWW-Authenticate": credentials.challenge}
    if request.url.path.startswith("/api") or request.url.path == "/openapi.json":
        return JSONResponse({"detail": "authentication required"}, status_code=401, headers=headers)
    response = page(request, "error.html", status=401, code=401, message="需要登录 (authentication required)")
    response.headers.update(headers)
    return response


def security_middleware(credentials: Credentials) -> Callable[[Request, Handler], Awaitable[Response]]:
    """An HTTP middleware: check credentials, then add the security headers."""

    async def middleware(request: Request, call_next: Handler) -> Response:
        public = request.url.path in PUBLIC_PATHS
        if credentials.required and not public and not credentials.accepts(request.headers.get("authorization", "")):
            response = _unauthorised(request, credentials)
        else:
            response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return middleware
