"""The fixture site's HTTP server: aiohttp on 127.0.0.1 in a background thread.

``FixtureSite`` serves the pages of :mod:`crawler.fixture_site.pages` for its current
state with ETag and Last-Modified on every page and ``304 Not Modified`` for a
matching ``If-None-Match`` (or, without one, an ``If-Modified-Since`` not older than
the page), plus named fault routes:

=========================  =====================================================
``/status/{code}``         that status (400-599) with a small HTML body
``/slow?seconds=N``        answers after N seconds (default 5, at most 30)
``/redirect/{n}``          a chain of n 302s ending at :data:`REDIRECT_TARGET`
``/redirect-loop/{a|b}``   a ↔ b forever
``/huge?mb=N``             an N-megabyte page (default 3)
``/robots.txt``            disallows ``/private/``
``/synthetic/...``         the benchmark's synthetic site (``synthetic_pages``)
=========================  =====================================================

Every request is logged (method, path, If-None-Match, If-Modified-Since, status,
User-Agent) so tests can assert that conditional headers were sent; a request the
client abandoned (a timeout on ``/slow``) is logged with status 499. ``arrived`` lists
the paths in the order they came in, answered or not: a ``/slow`` in flight is there.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import cache
from types import TracebackType

from aiohttp import web

from crawler.fixture_site.manifest import STATES
from crawler.fixture_site.pages import REDIRECT_TARGET, Resource, build_site, render
from crawler.fixture_site.synthetic import SyntheticSite

__all__ = ["ROUTES", "FixtureSite", "LoggedRequest"]

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MAX_SLOW_SECONDS = 30.0
DEFAULT_SLOW_SECONDS = 5.0
DEFAULT_HUGE_MB = 3
MAX_HUGE_MB = 50
CLIENT_CLOSED = 499  # logged for a request the client abandoned (nginx's convention)


# (aiohttp route pattern, handler method), first match wins; the last serves the pages.
ROUTES: tuple[tuple[str, str], ...] = (
    (r"/status/{code:\d+}", "_status"),
    ("/slow", "_slow"),
    (r"/redirect/{left:\d+}", "_redirect"),
    ("/redirect-loop/{name}", "_redirect_loop"),
    ("/huge", "_huge"),
    ("/{tail:.*}", "_page"),
)


def _query_number(request: web.Request, name: str, default: float, cap: float) -> float:
    """A numeric query parameter, the default when absent or not a number, at most ``cap``."""
    try:
        value = float(request.query.get(name, default))
    except ValueError:
        value = default
    return min(max(value, 0.0), cap)


@dataclass(frozen=True)
class LoggedRequest:
    """One request the site answered."""

    method: str
    path: str
    if_none_match: str | None
    if_modified_since: str | None
    status: int
    user_agent: str = ""


def _not_modified(request: web.Request, resource: Resource) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since."""
    tags = request.headers.get("If-None-Match")
    if tags is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return "*" in wanted or resource.etag in wanted
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return resource.modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


@cache
def _huge_page(megabytes: int) -> Resource:
    count = megabytes * 1024 * 1024 // 100
    return Resource(render("huge.html", count=count).encode("utf-8"))


class FixtureSite:
    """The bundled government-style site; see the module doc for its routes.

    ``with FixtureSite() as site: base = site.base_url`` or ``start(port=0) -> base_url``
    / ``stop()``; ``set_state("next")`` publishes the next state; ``requests`` is the log.
    """

    def __init__(self, state: str = "initial", *, synthetic_pages: int = 0) -> None:
        self._lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._arrived: list[str] = []
        self._pages: dict[str, Resource] = {}
        self.state = ""
        self.set_state(state)
        self.synthetic = SyntheticSite(synthetic_pages) if synthetic_pages else None
        self.base_url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # --- state and log --------------------------------------------------------------

    def set_state(self, state: str) -> None:
        """Switch every page to ``state`` ("initial" or "next"); unknown names raise ValueError."""
        if state not in STATES:
            raise ValueError(f"unknown fixture site state {state!r}; known: {', '.join(STATES)}")
        if state != self.state:
            pages = build_site(state)
            with self._lock:
                self._pages, self.state = pages, state

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def arrived(self) -> list[str]:
        """The paths (with query) requested so far, logged on arrival, before the answer."""
        with self._lock:
            return list(self._arrived)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()
            self._arrived.clear()

    def url(self, path: str) -> str:
        """The absolute URL of a site path ("/gywjw/ghjh/list.html")."""
        return self.base_url + path

    def resource(self, path: str) -> Resource | None:
        """What the site serves at ``path`` (with query) in its current state."""
        with self._lock:
            found = self._pages.get(path)
        if found is None and self.synthetic is not None:
            found = self.synthetic.get(path)
        return found

    # --- HTTP -----------------------------------------------------------------------

    async def _status(self, request: web.Request) -> web.StreamResponse:
        code = int(request.match_info["code"])
        code = code if 400 <= code <= 599 else 400
        return web.Response(status=code, text=render("fault.html", heading=str(code)), content_type="text/html")

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(_query_number(request, "seconds", DEFAULT_SLOW_SECONDS, MAX_SLOW_SECONDS))
        return web.Response(text=render("fault.html", heading="终于加载完成"), content_type="text/html")

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        left = int(request.match_info["left"])
        raise web.HTTPFound(REDIRECT_TARGET if left <= 1 else f"/redirect/{left - 1}")

    async def _redirect_loop(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/redirect-loop/b" if request.match_info["name"] == "a" else "/redirect-loop/a")

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        megabytes = int(_query_number(request, "mb", DEFAULT_HUGE_MB, MAX_HUGE_MB))
        return self._respond(request, _huge_page(max(megabytes, 1)))

    async def _page(self, request: web.Request) -> web.StreamResponse:
        resource = self.resource(request.path_qs)
        if resource is None:
            body = render("not_found.html", path=request.path)
            return web.Response(status=404, text=body, content_type="text/html", charset="utf-8")
        return self._respond(request, resource)

    def _respond(self, request: web.Request, resource: Resource) -> web.Response:
        headers = {"ETag": resource.etag, "Last-Modified": resource.last_modified}
        if _not_modified(request, resource):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = resource.content_type
        return web.Response(status=resource.status, body=resource.body, headers=headers)

    @web.middleware
    async def _record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        status = 500
        with self._lock:
            self._arrived.append(request.path_qs)
        try:
            response: web.StreamResponse = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        except asyncio.CancelledError:
            status = CLIENT_CLOSED  # the client gave up (a timeout on /slow)
            raise
        finally:
            entry = LoggedRequest(
                request.method, request.path_qs, request.headers.get("If-None-Match"),
                request.headers.get("If-Modified-Since"), status, request.headers.get("User-Agent", ""),
            )
            with self._lock:
                self._log.append(entry)

    async def _start_server(self, port: int) -> None:
        app = web.Application(middlewares=[self._record])
        for pattern, name in ROUTES:
            app.router.add_route("*", pattern, getattr(self, name))
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5,
                                     handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        bound = self._runner.addresses[0]
        self.base_url = f"http://127.0.0.1:{bound[1]}"

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (port 0: a free one) in a background thread; returns the base URL."""
        if self._thread is not None:
            return self.base_url
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_server(port))
            except BaseException as exc:  # reported to the caller of start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()

        self._loop, self._thread = loop, threading.Thread(target=run, name="fixture-site", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failure:
            self._thread.join()
            self._thread = self._loop = None
            raise OSError(f"the fixture site could not listen on 127.0.0.1:{port}: {failure[0]}")
        return self.base_url

    def stop(self) -> None:
        """Stop serving and end the thread (idempotent)."""
        if self._loop is None or self._thread is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        self._loop = self._thread = self._runner = None

    def __enter__(self) -> FixtureSite:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
