"""The HTTP server caps request bodies before reading them: 413, and the route never runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.web import build_app
from tests.fakes.server import serving

LIMIT = 64 * 1024


class EchoAdapter:
    """An adapter whose one route says how many bytes it was given."""

    platform = "echo"

    def __init__(self) -> None:
        self.bodies: list[int] = []

    def routes(self) -> list[Any]:
        return [Route("/webhooks/echo", self._receive, methods=["POST"])]

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        self.bodies.append(len(body))
        return PlainTextResponse(str(len(body)))


class NoStore:
    class database:  # the shape `healthz` reads
        @staticmethod
        async def ping() -> bool:
            return True


@pytest.fixture
def echo() -> EchoAdapter:
    return EchoAdapter()


@pytest.fixture
async def client(echo: EchoAdapter) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(NoStore(), [echo], max_body_bytes=LIMIT)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        yield client


async def test_a_body_up_to_the_limit_reaches_the_route(client: httpx.AsyncClient, echo: EchoAdapter) -> None:
    response = await client.post("/webhooks/echo", content=b"x" * LIMIT)
    assert (response.status_code, response.text) == (200, str(LIMIT))
    assert echo.bodies == [LIMIT]


async def test_a_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, echo: EchoAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.web"):
        response = await client.post("/webhooks/echo", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413 and echo.bodies == []
    assert "over the limit" in caplog.text


async def test_a_streamed_body_is_counted_and_refused_once_over(client: httpx.AsyncClient, echo: EchoAdapter) -> None:
    produced = 0

    async def hundred_megabytes() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(100 * 1024):
            produced += 1
            yield b"x" * 1024

    response = await client.post("/webhooks/echo", content=hundred_megabytes())  # chunked: no Content-Length
    assert response.status_code == 413 and echo.bodies == []
    assert produced <= LIMIT // 1024 + 2  # reading stopped at the limit, not at 100 MB


@pytest.mark.parametrize("declared", ["abc", "-1", "1e6", "99999999999999999999999"])
async def test_a_nonsense_content_length_is_a_bad_request(declared: str, echo: EchoAdapter) -> None:
    app = build_app(NoStore(), [echo], max_body_bytes=LIMIT)  # type: ignore[arg-type]
    async with serving(app) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"POST /webhooks/echo HTTP/1.1\r\nHost: bot\r\nContent-Length: {declared}\r\n\r\n".encode())
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
    assert status.split()[1] in (b"400",)  # uvicorn (h11) or our check: never a 5xx, never the route
    assert echo.bodies == []


async def test_a_real_server_answers_413_before_the_body_is_sent(echo: EchoAdapter) -> None:
    app = build_app(NoStore(), [echo], max_body_bytes=LIMIT)  # type: ignore[arg-type]
    async with serving(app) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        # Ten megabytes announced, not one byte of them sent: the answer comes anyway.
        writer.write(b"POST /webhooks/echo HTTP/1.1\r\nHost: bot\r\nContent-Length: 10485760\r\n\r\n")
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
    assert status.startswith(b"HTTP/1.1 413")
    assert echo.bodies == []


async def test_healthz_still_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["adapters"] == ["echo"]
