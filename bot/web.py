"""The bot's HTTP server: `/healthz` and the adapters' webhook routes, on one ASGI app.

Every request body is capped before it is read: a `Content-Length` over the cap is
answered 413 without reading a byte, and a body sent in chunks is counted as it
arrives and refused the moment it passes the cap. So a webhook route never holds
more than the cap in memory, whatever a client sends.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.adapters.base import Adapter
from bot.storage import Store

log = logging.getLogger("bot.web")

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def build_app(store: Store, adapters: Sequence[Adapter], *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> Starlette:
    async def healthz(request: Request) -> JSONResponse:
        database_ok = await store.database.ping()
        body: dict[str, Any] = {
            "status": "ok" if database_ok else "unavailable",
            "database": "ok" if database_ok else "unreachable",
            "adapters": sorted(adapter.platform for adapter in adapters),
        }
        return JSONResponse(body, status_code=200 if database_ok else 503)

    routes: list[Any] = [Route("/healthz", healthz, methods=["GET"])]
    for adapter in adapters:
        routes.extend(adapter.routes())
    return Starlette(routes=routes, middleware=[Middleware(BodyLimit, max_bytes=max_body_bytes)])


class BodyLimit:
    """Refuse request bodies over `max_bytes` (413) before reading them into memory.

    The body is read here, chunk by chunk, counting; under the cap it is handed to the
    app as one chunk, so routes can call `request.body()` knowing it is bounded.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _refuse(scope, send, 400, "bad Content-Length")
            return
        if declared is not None and declared > self.max_bytes:
            await _refuse(scope, send, 413, f"body of {declared} bytes over the limit")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before the body was complete
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(scope, send, 413, f"streamed body over {self.max_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _content_length(scope: Scope) -> int | None:
    """The declared body length; None when absent, -1 when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.strip()
            return int(text) if text.isdigit() and len(text) <= 18 else -1
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay


async def _refuse(scope: Scope, send: Send, status: int, why: str) -> None:
    client = scope.get("client")
    log.warning("request refused: %s", why, extra={"status": status, "path": scope.get("path", ""),
                                                   "client": client[0] if client else "-"})
    response = Response(status_code=status, headers={"Connection": "close"})
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


class Server(uvicorn.Server):
    """uvicorn without its own signal handling: `bot run` owns SIGINT/SIGTERM and stops us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
