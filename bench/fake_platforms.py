"""The fake Telegram Bot API and WhatsApp Graph API in their own process, for load tests.

    python -m bench.fake_platforms --telegram-port P1 --graph-port P2

Both speak the real HTTP APIs (the same fakes the adapter tests use). `GET /_stats`
on either port answers how many messages went to each chat, which is how
`bench.webhooks` checks that every customer got exactly one reply.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections import Counter

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from tests.fakes.graph_api import FakeGraph
from tests.fakes.server import serving_on
from tests.fakes.telegram_api import FakeTelegram


def telegram_app(fake: FakeTelegram) -> Starlette:
    async def stats(request: Request) -> JSONResponse:
        per_chat = Counter(str(params["chat_id"]) for params in fake.called("sendMessage"))
        return JSONResponse({"per_chat": per_chat, "calls": len(fake.calls)})

    return Starlette(routes=[Route("/_stats", stats), Mount("/", fake.app)])


def graph_app(fake: FakeGraph) -> Starlette:
    async def stats(request: Request) -> JSONResponse:
        per_chat = Counter(str(message["to"]) for message in fake.messages)
        return JSONResponse({"per_chat": per_chat, "refused": len(fake.refused)})

    return Starlette(routes=[Route("/_stats", stats), Mount("/", fake.app)])


async def main_async(telegram_port: int, graph_port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serving_on(telegram_app(FakeTelegram()), telegram_port), serving_on(
        graph_app(FakeGraph()), graph_port
    ):
        print("ready", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--telegram-port", type=int, required=True)
    parser.add_argument("--graph-port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main_async(args.telegram_port, args.graph_port))


if __name__ == "__main__":
    main()
