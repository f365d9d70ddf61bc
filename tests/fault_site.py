"""A government-style site on 127.0.0.1 whose every page a test scripts: delays, broken
transfers, lying headers, redirects and hostile bodies (the reliability tests' server).

The bundled fixture site (``crawler.fixture_site``) has a fixed set of fault routes;
these tests need pages the fixture site cannot serve: a detail page that answers
slowly (so a SIGKILL lands mid-crawl), a transfer cut short, binary bytes labelled
``text/html``, a page streamed without a length, a gzip bomb, a body a test builds at
run time. ``FaultSite`` serves a ``{path: Page}`` map, with an ETag per body and
``304 Not Modified`` for a matching ``If-None-Match`` (as real CMSs do), and logs every
request it finished or is still answering.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web

__all__ = ["FaultSite", "Page", "detail_html", "fault_site", "list_html"]


@dataclass(frozen=True)
class Page:
    """One scripted answer.

    ``delay``: seconds before answering; ``cut_at``: send the full Content-Length but
    only this many bytes, then drop the connection; ``stream``: send in chunks without
    a Content-Length; ``redirect``: a 302 to that path; ``headers``: extra headers
    (``Content-Encoding: gzip`` for a bomb, say).
    """

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0
    cut_at: int | None = None
    stream: bool = False
    redirect: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class FaultSite:
    """``pages`` by path (with query); ``log`` of (path, status); ``in_flight`` paths being answered."""

    pages: dict[str, Page] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)
    in_flight: set[str] = field(default_factory=set)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    def put(self, path: str, page: Page | str | bytes) -> None:
        """Serve ``page`` at ``path`` from now on (a str is UTF-8 HTML)."""
        if isinstance(page, str):
            page = Page(page.encode("utf-8"))
        elif isinstance(page, bytes):
            page = Page(page)
        with self.lock:
            self.pages[path] = page

    def requested(self, path: str) -> int:
        """How many answers to ``path`` were finished."""
        with self.lock:
            return sum(1 for logged, _ in self.log if logged == path)

    def busy(self) -> set[str]:
        with self.lock:
            return set(self.in_flight)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs
        with self.lock:
            page = self.pages.get(path)
            self.in_flight.add(path)
        status = 499  # the client went away (or the transfer broke) before an answer was complete
        try:
            if page is not None and page.delay:
                await asyncio.sleep(page.delay)
            response = await self._answer(request, page)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            with self.lock:
                self.in_flight.discard(path)
                self.log.append((path, status))

    async def _answer(self, request: web.Request, page: Page | None) -> web.StreamResponse:
        if page is None:
            return web.Response(status=404, text="<html><body>404 页面不存在</body></html>", content_type="text/html")
        if page.redirect is not None:
            raise web.HTTPFound(page.redirect)
        if request.headers.get("If-None-Match") == page.etag and page.status == 200:
            return web.Response(status=304, headers={"ETag": page.etag})
        headers = {"Content-Type": page.content_type, "ETag": page.etag, **dict(page.headers)}
        if page.cut_at is None and not page.stream:
            return web.Response(status=page.status, body=page.body, headers=headers)
        response = web.StreamResponse(status=page.status, headers=headers)
        if page.cut_at is not None:
            response.content_length = len(page.body)
        await response.prepare(request)
        if page.cut_at is not None:
            await response.write(page.body[: page.cut_at])
            assert request.transport is not None
            request.transport.close()  # the rest never comes
            return response
        try:
            for start in range(0, len(page.body), 1 << 16):
                await response.write(page.body[start : start + (1 << 16)])
            await response.write_eof()
        except ConnectionError:  # the client stopped reading (a size limit): nothing to report
            pass
        return response


def list_html(links: list[tuple[str, str]], title: str = "通知公告") -> str:
    """A column page listing ``(href, title)`` links the default title filter accepts."""
    items = "".join(f'<li><a href="{href}" title="{text}">{text}</a><span>2024-03-01</span></li>' for href, text in links)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="location">当前位置：首页 &gt; {title}</div><ul class="list">{items}</ul></body></html>')


def detail_html(title: str, paragraphs: Sequence[str], attachments: Sequence[tuple[str, str]] = (),
                *, charset: str = "utf-8", date: str = "2024-03-01") -> str:
    """A detail page in the common TRS layout: title, 发布时间, a #zoom body, attachment links."""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    links = "".join(f'<p><a href="{href}">{name}</a></p>' for href, name in attachments)
    return (f'<html><head><meta charset="{charset}"><title>{title}</title></head><body>'
            f'<h1>{title}</h1><div class="info">发布时间：{date} 来源：某市卫生健康委员会</div>'
            f'<div id="zoom">{body}{links}</div><div class="footer">版权所有 某市卫生健康委员会</div></body></html>')


@contextmanager
def fault_site() -> Iterator[FaultSite]:
    """A :class:`FaultSite` on a free 127.0.0.1 port in a background thread."""
    site = FaultSite()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: list[web.AppRunner] = []

    async def start() -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", site.handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        site.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        holder.append(runner)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="fault-site", daemon=True)
    thread.start()
    if not ready.wait(30):
        raise OSError("the fault site did not start")
    try:
        yield site
    finally:
        asyncio.run_coroutine_threadsafe(holder[0].cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()
