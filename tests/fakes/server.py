"""Serve a Starlette app on 127.0.0.1 at a free port for the length of a test."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from bot.web import Server


class _QuickServer(Server):
    """uvicorn checks whether to stop every 0.1 s; a test server may check more often."""

    async def main_loop(self) -> None:
        while not self.should_exit:  # noqa: ASYNC110 - uvicorn signals shutdown through this flag
            await asyncio.sleep(0.005)


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Yields the base URL (`http://127.0.0.1:<port>`) while the app answers there."""
    async with serving_on(app, 0) as url:
        yield url


@asynccontextmanager
async def serving_on(app: Any, port: int) -> AsyncIterator[str]:
    """`serving` on a given port (0: any free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", lifespan="off", ws="none", http="h11",
        access_log=False, timeout_graceful_shutdown=1,
    )
    server = _QuickServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.005)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
