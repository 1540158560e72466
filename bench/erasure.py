"""Erasure and retention cost: how long `/forgetme` holds the database, against a large history.

    python -m bench.erasure [--rows 100000] [--people 5] [--db sqlite|postgres --postgres-url URL]

The database holds `--rows` outbox rows (delivered posts in a staff forum, one ticket's
topic each, and replies to customers) and as many transcript lines, the history of many
other customers. Then `--people` customers, each with two tickets (one reopened in a
second topic), their lines and their posts, are erased one by one with the real
`PrivacyRepo.erase_person`, each in its own transaction as `/forgetme` does (the time
includes the commit and, on SQLite, the WAL checkpoint that follows an erasure).
Last, the retention purge (`purge_before`) removes the older half of everything.

An erasure runs inside the handler's transaction: on SQLite every other message waits
for it, so its time is the pause customers may notice.

One JSON object on one line of stdout, times in milliseconds (p50 and max over the people).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bot.storage.db import Database
from bot.storage.migrate import upgrade
from bot.storage.models import OutboxItem, Ticket, TranscriptLine
from bot.storage.store import Store

FORUM = "-1001234567890"
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
_BATCH = 5000
_CUSTOMERS = 5000  # the other customers the history belongs to


def _send(key: str, chat: str, thread: str | None, text: str, ref: str | None, at: datetime) -> dict[str, Any]:
    payload = {"kind": "Send", "address": ["telegram" if chat == FORUM else "whatsapp", chat, thread],
               "text": text, "buttons": [], "reply_to": None, "ref": ref, "delete_after": None,
               "fallback_template": None, "mentions": [], "media": None}
    return {"key": key, "platform": payload["address"][0], "chat_id": chat, "kind": "Send", "payload": payload,
            "status": "sent", "attempts": 1, "next_attempt_at": at, "created_at": at, "sent_at": at,
            "unreported": False}


def _history(index: int, total: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One outbox row and one transcript line of another customer, spread over 60 days."""
    at = START + timedelta(days=60) * index / total
    customer = f"62812{index % _CUSTOMERS:08d}"
    ticket = 100000 + index % _CUSTOMERS
    text = f"pesanan nomor {index} untuk pelanggan {index % _CUSTOMERS} sudah dikirim"
    if index % 2:
        row = _send(f"h{index}", FORUM, str(ticket), f"👤 Pelanggan {index % _CUSTOMERS}: {text}",
                    f"ticket:{ticket}:msg", at)
    else:
        row = _send(f"h{index}", customer, None, text, None, at)
    line = {"chat_key": f"whatsapp:{customer}", "person_key": f"whatsapp:{customer}", "ticket_id": ticket,
            "direction": "in", "author": "customer", "author_key": f"whatsapp:{customer}", "text": text,
            "at": at, "outcome": "relayed"}
    return row, line


async def _fill(store: Store, rows: int) -> None:
    for start in range(0, rows, _BATCH):
        made = [_history(index, rows) for index in range(start, min(rows, start + _BATCH))]
        async with store.transaction() as tx:
            await tx.session.execute(insert(OutboxItem), [row for row, _ in made])
            await tx.session.execute(insert(TranscriptLine), [line for _, line in made])


async def _person(store: Store, number: int) -> str:
    """A customer with two tickets (the second reopened in a new topic), their words and posts."""
    wa_id = f"62857{number:08d}"
    at = START + timedelta(days=59)
    async with store.transaction() as tx:
        for spell in range(2):
            topic = f"9{number:04d}{spell}"
            ticket = Ticket(customer_key=f"whatsapp:{wa_id}", customer_platform="whatsapp", customer_chat_id=wa_id,
                            customer_name=f"Sulastri {number}", language="id", status="resolved", reason="asked",
                            staff_platform="telegram", staff_chat_id=FORUM, staff_thread_id=topic,
                            workspace="topic", opened_at=at, resolved_at=at, updated_at=at)
            tx.session.add(ticket)
            await tx.session.flush()
            text = f"kulkas Polytron {number} penyok di pintu, tiket {spell}"
            await tx.session.execute(insert(OutboxItem), [
                _send(uuid.uuid4().hex, FORUM, topic, f"👤 Sulastri {number}: {text}", f"ticket:{ticket.id}:msg", at),
                _send(uuid.uuid4().hex, FORUM, topic, f"Transkrip tiket #{ticket.id}: {text}", None, at),
                _send(uuid.uuid4().hex, wa_id, None, "Baik Kak, kami cek", f"ticket:{ticket.id}", at),
            ])
            tx.session.add(TranscriptLine(chat_key=f"whatsapp:{wa_id}", person_key=f"whatsapp:{wa_id}",
                                          ticket_id=ticket.id, direction="in", author="customer",
                                          author_key=f"whatsapp:{wa_id}", text=text, at=at, outcome="relayed"))
    return wa_id


def _summary(samples: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(samples), 1), "max": round(max(samples), 1)}


async def run(db: str, url: str, rows: int, people: int) -> dict[str, Any]:
    await upgrade(url)
    database = Database(url)
    store = Store(database)
    try:
        await _fill(store, rows)
        erasures = []
        for number in range(people):
            wa_id = await _person(store, number)
            started = time.perf_counter()
            async with store.transaction() as tx:
                await tx.privacy.erase_person("whatsapp", wa_id, START + timedelta(days=60))
            erasures.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        async with store.transaction() as tx:
            purged = await tx.privacy.purge_before(START + timedelta(days=30))
        purge_ms = (time.perf_counter() - started) * 1000
    finally:
        await database.dispose()
    return {"db": db, "rows": rows, "people": people, "erase_ms": _summary(erasures),
            "purge_ms": round(purge_ms, 1), "purged_lines": purged}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="outbox rows and transcript lines of others")
    parser.add_argument("--people", type=int, default=5, help="customers erased one after another")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=None, help="an empty PostgreSQL database (it is filled)")
    args = parser.parse_args(argv)
    if args.rows < 0 or args.people < 1:
        parser.exit(2, "bench.erasure: --rows must be 0 or more and --people at least 1\n")
    if args.db == "postgres" and not args.postgres_url:
        parser.exit(2, "bench.erasure: --db postgres needs --postgres-url\n")
    with tempfile.TemporaryDirectory() as directory:
        url = (args.postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1) if args.db == "postgres"
               else f"sqlite+aiosqlite:///{directory}/bench.db")
        result = asyncio.run(run(args.db, url, args.rows, args.people))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
