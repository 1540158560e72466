"""Hostile input: how long the bot takes over a megabyte-long message and text built to backtrack.

    python -m bench.hostile_input [--runs 20] [--size 1000000]

1. A signed WhatsApp webhook whose message is one word of `--size` letters (a 1 MB word
   by default, just under the 1 MiB body cap) is posted to the bot's real Starlette app
   (httpx's ASGI transport, no sockets), with the real core, the sample SOP and SQLite:
   the time until the 200, i.e. until the message is parsed, cut to WhatsApp's 4,096
   characters, moderated, answered from the SOP and stored with its reply in the outbox.
   Each run uses a fresh message id, so none is a duplicate.
2. The same body a few bytes over the cap: the time until the 413.
3. A Telegram update with the same word: the time to read it into an event (cut to 4,096).
4. Each masking and moderation reading over ~100,000 characters built to make a
   backtracking pattern re-read the text from every position.

One JSON object on one line of stdout, times in milliseconds (p50 and max over the runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.adapters.incoming import TELEGRAM_MAX_TEXT
from bot.adapters.telegram_parse import BotIdentity
from bot.adapters.telegram_parse import parse as parse_telegram
from bot.adapters.whatsapp import WhatsAppAdapter
from bot.adapters.whatsapp_parse import sign
from bot.app import Runtime
from bot.config import load_settings
from bot.events import Message
from bot.moderation.normalise import full_readings, full_readings_tracked
from bot.privacy import mask_pii
from bot.web import DEFAULT_MAX_BODY_BYTES, build_app
from tests.fakes.graph_api import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN

CUSTOMER = "6281234567890"
HOSTILE_LENGTH = 100_000
HOSTILE_TEXTS: dict[str, str] = {
    "letters": "a" * HOSTILE_LENGTH,
    "dotted letters": "x." * (HOSTILE_LENGTH // 2),
    "at signs": "a@" * (HOSTILE_LENGTH // 2),
    "dollar signs": "$" * HOSTILE_LENGTH,
    "long + numbers": ("+" + "1" * 30 + " ") * (HOSTILE_LENGTH // 32),
    "spaced digits": "1 " * (HOSTILE_LENGTH // 2),
    "password words": "password " * (HOSTILE_LENGTH // 9),
}


def delivery(message_id: str, text: str, timestamp: int) -> bytes:
    return json.dumps({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Budi"}, "wa_id": CUSTOMER}],
            "messages": [{"from": CUSTOMER, "id": message_id, "timestamp": str(timestamp), "type": "text",
                          "text": {"body": text}}],
        }}]}],
    }).encode()


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(samples), 2), "max": round(max(samples), 2)}


async def webhook_times(runs: int, size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(directory) / 'bot.db'}",
            whatsapp={"access_token": ACCESS_TOKEN, "phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
                      "verify_token": VERIFY_TOKEN, "graph_url": "http://127.0.0.1:9/v21.0"},
        )
        runtime = await Runtime.open(settings)
        adapter = WhatsAppAdapter(settings, runtime.clock, store=runtime.store)
        await adapter.start(runtime.core.handle)
        app = build_app(runtime.store, [adapter], max_body_bytes=DEFAULT_MAX_BODY_BYTES)
        word = "x" * size
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:

                async def post(body: bytes) -> tuple[int, float]:
                    started = time.perf_counter()
                    response = await client.post("/webhooks/whatsapp", content=body,
                                                 headers={"X-Hub-Signature-256": sign(body, APP_SECRET)})
                    await adapter.settled()
                    return response.status_code, (time.perf_counter() - started) * 1000

                now = int(time.time())
                for warm in range(3):  # the SOP index, the first transaction, the caches
                    await post(delivery(f"wamid.WARM{warm}", "halo kak", now))
                handled: list[float] = []
                for run in range(runs):
                    body = delivery(f"wamid.BIG{run:05d}", word, now)
                    status, ms = await post(body)
                    assert status == 200, status
                    handled.append(ms)
                refused: list[float] = []
                over = delivery("wamid.OVER", "x" * (DEFAULT_MAX_BODY_BYTES + 1), now)
                for _ in range(runs):
                    status, ms = await post(over)
                    assert status == 413, status
                    refused.append(ms)
        finally:
            await adapter.aclose()
            await runtime.close()
    return {
        "body_bytes": len(body),
        "one_word_message_handled_ms": summary(handled),
        "over_cap_refused_413_ms": summary(refused),
    }


def telegram_times(runs: int, size: int) -> dict[str, float]:
    me = BotIdentity("123456789", "TokoNusaBot")
    samples = []
    for run in range(runs):
        update = {"update_id": run + 1, "message": {
            "message_id": run + 1, "date": int(time.time()), "text": "x" * size,
            "chat": {"id": 5012345678, "type": "private", "first_name": "Budi"},
            "from": {"id": 5012345678, "is_bot": False, "first_name": "Budi", "language_code": "id"}}}
        body = json.dumps(update).encode()
        started = time.perf_counter()
        (event,) = parse_telegram(json.loads(body), me, datetime.now(UTC))
        samples.append((time.perf_counter() - started) * 1000)
        assert isinstance(event, Message) and len(event.text) == TELEGRAM_MAX_TEXT
    return summary(samples)


def hostile_times(runs: int) -> dict[str, dict[str, float]]:
    readers: dict[str, Callable[[str], object]] = {
        "mask_pii": mask_pii,
        "moderation_full_readings": full_readings,
        "moderation_tracked_readings": full_readings_tracked,
    }
    results: dict[str, dict[str, float]] = {}
    for name, reader in readers.items():
        worst = {}
        for label, text in HOSTILE_TEXTS.items():
            samples = []
            for _ in range(max(1, runs // 4)):
                started = time.perf_counter()
                reader(text)
                samples.append((time.perf_counter() - started) * 1000)
            worst[label] = round(statistics.median(samples), 2)
        results[name] = worst
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.runs < 1 or args.size < 1:
        parser.error("--runs and --size must be at least 1")
    logging.basicConfig(level=logging.ERROR)
    result = asyncio.run(webhook_times(args.runs, args.size))
    result["telegram_one_word_update_parsed_ms"] = telegram_times(args.runs, args.size)
    result["hostile_100k_characters_ms"] = hostile_times(args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
