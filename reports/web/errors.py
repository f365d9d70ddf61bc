"""Bad ids and bad parameters get a 404/422 page (JSON under /api), never a 500.

Handlers are a table: exception type → (status, message). The message shown never
echoes the raw request back as markup; templates escape whatever they show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from reports.web.render import page
from store.errors import InputError, NotFound, PlanwatchError

__all__ = ["HANDLERS", "install_error_handlers", "wants_json"]

log = logging.getLogger(__name__)


def wants_json(request: Request) -> bool:
    """JSON errors for the API and its description, HTML pages elsewhere."""
    return request.url.path.startswith("/api/") or request.url.path in ("/api", "/openapi.json")


def _respond(request: Request, status: int, message: str, details: list[str] | None = None) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"detail": message}
        if details:
            body["errors"] = details
        return JSONResponse(body, status_code=status)
    return page(request, "error.html", status=status, code=status, message=message, details=details or [])


def _validation_details(exc: RequestValidationError) -> list[str]:
    details = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path"))
        details.append(f"{where}: {error.get('msg', 'invalid')}")
    return details


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _respond(request, 422, "请求参数无效 (invalid parameters)", _validation_details(exc))


async def _on_not_found(request: Request, exc: Exception) -> Response:
    return _respond(request, 404, str(getattr(exc, "message", "")) or "未找到 (not found)")


async def _on_input(request: Request, exc: Exception) -> Response:
    return _respond(request, 422, str(getattr(exc, "message", exc)))


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "页面不存在 (not found)", 405: "不支持的请求方法 (method not allowed)"}.get(exc.status_code, str(exc.detail))
    response = _respond(request, exc.status_code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_planwatch(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlanwatchError)
    log.error("archive request %s failed: %s", request.url.path, exc.one_line())
    return _respond(request, 503, exc.one_line())


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("archive request %s failed", request.url.path)
    return _respond(request, 500, "服务器内部错误 (internal error); see the server log")


HANDLERS: tuple[tuple[type[Exception], Callable[[Request, Exception], Any]], ...] = (
    (RequestValidationError, _on_validation),
    (NotFound, _on_not_found),
    (InputError, _on_input),
    (HTTPException, _on_http),
    (PlanwatchError, _on_planwatch),
    (Exception, _on_unexpected),
)


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler of :data:`HANDLERS` on ``app``."""
    for exc_type, handler in HANDLERS:
        app.add_exception_handler(exc_type, handler)
