"""The bot's HTTP server: `/healthz` and the adapters' webhook routes, on one ASGI app."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.adapters.base import Adapter
from bot.storage import Store


def build_app(store: Store, adapters: Sequence[Adapter]) -> Starlette:
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
    return Starlette(routes=routes)


class Server(uvicorn.Server):
    """uvicorn without its own signal handling: `bot run` owns SIGINT/SIGTERM and stops us."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
