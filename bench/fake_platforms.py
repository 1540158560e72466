"""The fake Telegram Bot API and WhatsApp Graph API in their own process, for load tests.

    python -m bench.fake_platforms --telegram-port P1 --graph-port P2
                                   [--status-webhook URL --app-secret S] [--telegram-latency SECONDS]

Both speak the real HTTP APIs (the same fakes the adapter tests use). `GET /_stats`
on either port answers how many messages went to each chat, which is how
`bench.webhooks` checks that every customer got exactly one reply. The fake
Telegram numbers each chat's messages in one sequence for both sides and answers
edits as Telegram does ("message is not modified" for the same content), which is
what the bot uses to find a send a crash lost; `POST /_incoming` with
`[[chat_id, message_id, text], ...]` tells it the customers' messages the load
generator is about to deliver, so their numbers are taken. With
`--status-webhook`, the Graph API behaves like Meta after it accepts a message: it
posts the message's "sent" status to the bot's webhook (signed with the app secret,
echoing the message's `biz_opaque_callback_data`, retried until answered 200).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from bot.adapters.whatsapp_parse import sign
from tests.fakes.graph_api import PHONE_NUMBER_ID, FakeGraph
from tests.fakes.server import serving_on
from tests.fakes.telegram_api import FakeTelegram


def status_webhook(
    wamid: str, recipient: str, status: str, callback_data: str | None, timestamp: int,
    *, error: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """A Cloud API status webhook as Meta sends it for a message we sent."""
    entry: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(timestamp), "recipient_id": recipient}
    if callback_data is not None:
        entry["biz_opaque_callback_data"] = callback_data
    if error is not None:
        entry["errors"] = [{"code": error[0], "title": error[1]}]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [entry],
        }}]}],
    }


@dataclass
class EchoingGraph(FakeGraph):
    """The fake Graph API, plus Meta's "sent" status webhook for every message it accepts."""

    webhook_url: str | None = None
    app_secret: str = ""
    delay_seconds: float = 0.2
    _posting: set[asyncio.Task[None]] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None

    async def _messages(self, request: Request) -> Response:
        response = await super()._messages(request)
        if response.status_code == 200 and self.webhook_url:
            sent = json.loads(bytes(response.body))["messages"][0]["id"]
            payload = json.loads(await request.body())
            task = asyncio.create_task(self._post_status(sent, payload))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)
        return response

    async def _post_status(self, wamid: str, payload: dict[str, Any]) -> None:
        await asyncio.sleep(self.delay_seconds)
        loop = asyncio.get_running_loop()
        body = json.dumps(status_webhook(wamid, payload["to"], "sent", payload.get("biz_opaque_callback_data"),
                                         int(loop.time()))).encode()
        headers = {"content-type": "application/json", "X-Hub-Signature-256": sign(body, self.app_secret)}
        self._client = self._client or httpx.AsyncClient(timeout=10)
        delay = 0.5
        for _ in range(20):  # like Meta: not answered 200, delivered again
            try:
                if (await self._client.post(self.webhook_url or "", content=body, headers=headers)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def aclose(self) -> None:
        for task in list(self._posting):
            task.cancel()
        await asyncio.gather(*self._posting, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()


def telegram_app(fake: FakeTelegram) -> Starlette:
    async def stats(request: Request) -> JSONResponse:
        per_chat = Counter(str(params["chat_id"]) for params in fake.called("sendMessage"))
        probes = sum(1 for call in fake.calls if call.method.startswith("editMessage"))
        return JSONResponse({"per_chat": per_chat, "calls": len(fake.calls), "probes": probes})

    async def incoming(request: Request) -> JSONResponse:
        for chat_id, message_id, text in await request.json():
            fake.customer_says(int(chat_id), str(text), message_id=int(message_id))
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/_stats", stats), Route("/_incoming", incoming, methods=["POST"]),
                             Mount("/", fake.app)])


def graph_app(fake: FakeGraph) -> Starlette:
    async def stats(request: Request) -> JSONResponse:
        per_chat = Counter(str(message["to"]) for message in fake.messages)
        return JSONResponse({"per_chat": per_chat, "refused": len(fake.refused)})

    return Starlette(routes=[Route("/_stats", stats), Mount("/", fake.app)])


async def main_async(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    graph = EchoingGraph(webhook_url=args.status_webhook, app_secret=args.app_secret)
    try:
        telegram = FakeTelegram(answer_delay=args.telegram_latency)
        async with serving_on(telegram_app(telegram), args.telegram_port), serving_on(
            graph_app(graph), args.graph_port
        ):
            print("ready", flush=True)
            await stop.wait()
    finally:
        await graph.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--telegram-port", type=int, required=True)
    parser.add_argument("--graph-port", type=int, required=True)
    parser.add_argument("--status-webhook", help="the bot's WhatsApp webhook URL, for status webhooks")
    parser.add_argument("--app-secret", default="", help="signs the status webhooks (X-Hub-Signature-256)")
    parser.add_argument("--telegram-latency", type=float, default=0.0,
                        help="seconds between the fake Telegram doing a call and answering it")
    args = parser.parse_args()
    if args.status_webhook and not args.app_secret:
        parser.error("--status-webhook needs --app-secret")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
