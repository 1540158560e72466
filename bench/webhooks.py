"""Load and fault test: many workers on PostgreSQL, SIGKILLs midway, nothing lost, doubles counted.

    python -m bench.webhooks --workers N --messages M [--kills K] [--concurrency 32] [--duplicates 0.1]
                             [--no-kill] [--aim-at-telegram] [--telegram-latency SECONDS]
                             [--postgres-url URL] [--redis-url URL]

It starts the fake Telegram Bot API and Graph API (`bench.fake_platforms`; the Graph
API posts each accepted message's "sent" status webhook back, as Meta does; with
`--telegram-latency S` the fake Telegram answers S seconds after doing a call, as a
distant server does, which leaves more Telegram sends in flight at a kill; with
`--aim-at-telegram` each kill picks a worker caught with a Telegram send in flight), then
`bot run --workers N` on a fresh PostgreSQL database in webhook mode for Telegram
and WhatsApp, all on loopback. A load generator posts M customer messages — half
signed WhatsApp webhooks, half Telegram updates with the secret token — each from
its own customer, with a share sent twice and the order shuffled in small windows.
Like the platforms, it retries a delivery that was not answered 200. K times during
the load (evenly spread over the acknowledgements, once the workers are all up), one
worker is killed with SIGKILL; the supervisor starts it again. Right after each kill
the outbox tells what the dead worker held: rows leased to it, and of those the ones
whose platform call had begun and whose outcome was not recorded ("in flight"), by
platform. Afterwards it waits for the replies and counts, at the fake servers, the
customers who got no reply (lost) and those who got more than one (doubled).

One JSON object on stdout: webhooks/s (acknowledged deliveries per second of the
load phase), p50/p99 acknowledgement latency, replies expected/received, lost,
doubled (per platform), the kills with what was in flight at each, doubles per kill
and per 100 sends in flight, the edits the bot made at the fake Telegram to find sends
a kill lost, and the time until the last reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bot.adapters.whatsapp_parse import sign
from bot.config import PROJECT_ROOT
from tests.fakes.graph_api import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID
from tests.fakes.telegram_api import TOKEN

TELEGRAM_SECRET = "bench-secret-token"
VERIFY_TOKEN = "bench-verify"
QUESTIONS = [
    "halo", "bagaimana cara refund?", "berapa ongkir ke surabaya?", "kapan paket saya sampai?",
    "lupa password gimana kak", "How do I track my order?", "bisa bayar pakai qris?",
    "apakah produknya original?", "ada promo apa bulan ini?", "terima kasih kak",
]


def free_port() -> int:
    """A port for a server another process will open in a moment.

    Chosen below the kernel's ephemeral range (`ip_local_port_range`, 32768 and up on
    Linux): a port the kernel hands out (port 0) can be taken, between this probe and the
    server's bind, by any outgoing connection, such as ours to PostgreSQL.
    """
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def telegram_update(index: int, chat: int, text: str) -> dict[str, Any]:
    return {
        "update_id": 10_000_000 + index,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": f"Pelanggan{index}"},
            "from": {"id": chat, "is_bot": False, "first_name": f"Pelanggan{index}", "language_code": "id"},
            "text": text,
        },
    }


def whatsapp_delivery(index: int, phone: str, text: str) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
                    "contacts": [{"profile": {"name": f"Pelanggan {index}"}, "wa_id": phone}],
                    "messages": [{
                        "from": phone, "id": f"wamid.BENCH{index:08d}", "timestamp": str(int(time.time())),
                        "type": "text", "text": {"body": text},
                    }],
                },
            }],
        }],
    }


Request = tuple[str, bytes, dict[str, str]]  # path, body, headers


def build_load(
    messages: int, duplicates: float, seed: int, telegram_said: list[tuple[int, int, str]] | None = None
) -> tuple[list[Request], dict[str, set[str]]]:
    """The requests to post (path, body, headers), and the chats that must get a reply, per platform.
    Each Telegram customer's message (chat, message id, text) is added to `telegram_said`."""
    rng = random.Random(seed)
    requests: list[tuple[str, bytes, dict[str, str]]] = []
    expected: dict[str, set[str]] = {"telegram": set(), "whatsapp": set()}
    for index in range(messages):
        text = rng.choice(QUESTIONS)
        if index % 2 == 0:
            chat = 700_000_000 + index
            body = json.dumps(telegram_update(index, chat, text)).encode()
            if telegram_said is not None:
                telegram_said.append((chat, 1, text))
            requests.append(("/webhooks/telegram", body, {
                "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}))
            expected["telegram"].add(str(chat))
        else:
            phone = f"628{index:010d}"
            body = json.dumps(whatsapp_delivery(index, phone, text)).encode()
            requests.append(("/webhooks/whatsapp", body, {
                "content-type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}))
            expected["whatsapp"].add(phone)
    # Platforms deliver some updates twice and not always in order.
    repeats = [requests[i] for i in rng.sample(range(len(requests)), int(len(requests) * duplicates))]
    for repeat in repeats:
        requests.insert(rng.randrange(len(requests) + 1), repeat)
    for start in range(0, len(requests), 20):
        window = requests[start:start + 20]
        rng.shuffle(window)
        requests[start:start + 20] = window
    return requests, expected


async def post_all(base: str, requests: list[tuple[str, bytes, dict[str, str]]], concurrency: int,
                   progress: asyncio.Queue[int]) -> dict[str, Any]:
    latencies: list[float] = []
    failed_attempts = 0
    queue = list(reversed(requests))
    done = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def poster() -> None:
            nonlocal failed_attempts, done
            while queue:
                path, body, headers = queue.pop()
                delay = 0.2
                while True:  # like Telegram and Meta: not answered 200, delivered again
                    started = time.perf_counter()
                    try:
                        response = await client.post(path, content=body, headers=headers)
                        status = response.status_code
                    except httpx.TransportError:
                        status = 0
                    if status == 200:
                        latencies.append((time.perf_counter() - started) * 1000)
                        break
                    failed_attempts += 1
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 2.0)
                done += 1
                progress.put_nowait(done)

        began = time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "posted": len(requests),
        "elapsed_s": round(elapsed, 2),
        "webhooks_per_s": round(len(requests) / elapsed, 1),
        "ack_p50_ms": round(latencies[len(latencies) // 2], 1),
        "ack_p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "failed_attempts": failed_attempts,
    }


async def replies(telegram: str, graph: str) -> dict[str, dict[str, int]]:
    async with httpx.AsyncClient(timeout=10) as client:
        return {
            "telegram": (await client.get(f"{telegram}/_stats")).json()["per_chat"],
            "whatsapp": (await client.get(f"{graph}/_stats")).json()["per_chat"],
        }


async def telegram_probes(telegram: str) -> int:
    """Edits the bot made at the fake Telegram: its looks for sends a kill lost."""
    async with httpx.AsyncClient(timeout=10) as client:
        return int((await client.get(f"{telegram}/_stats")).json()["probes"])


def workers_of(supervisor: subprocess.Popen[bytes]) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(supervisor.pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in children]


async def all_workers_up(supervisor: subprocess.Popen[bytes], workers: int, settled_s: int = 8) -> None:
    """Until `workers` workers run and each has had `settled_s` seconds to start (SOP, database, adapters)."""
    for _ in range(600):
        children = workers_of(supervisor)
        ages = subprocess.run(["ps", "-o", "etimes=", "-p", ",".join(map(str, children)) or "0"],
                              capture_output=True, text=True).stdout.split()
        if len(children) >= workers and len(ages) >= workers and min(int(age) for age in ages) >= settled_s:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the workers did not come back after a kill")


async def telegram_sender_in_flight(database_url: str, workers: list[int], seconds: float = 30.0) -> int | None:
    """A worker with a Telegram send in flight (its "attempt started" committed, no outcome yet),
    watched for up to `seconds`; None when none was seen."""
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            holders = await connection.fetch(
                "SELECT claimed_by FROM outbox WHERE platform = 'telegram' AND status = 'sending' "
                "AND attempt_started_at IS NOT NULL")
            for holder in holders:
                pid = int(str(holder["claimed_by"]).rpartition(":")[2] or 0)
                if pid in workers:
                    return pid
            await asyncio.sleep(0.01)
    finally:
        await connection.close()
    return None


async def kill_workers(
    supervisor: subprocess.Popen[bytes], progress: asyncio.Queue[int], total: int, kills: int, workers: int,
    database_url: str, seed: int, *, aim: bool = False,
) -> list[dict[str, Any]]:
    """SIGKILL a worker `kills` times, spread over the acknowledgements; what each victim held.

    Rows whose platform call was in flight are the only ones a kill can double: the
    platform may have taken the message before the worker could mark it sent. WhatsApp
    rows are then confirmed from their status webhooks, Discord would drop the repeat
    by its nonce, Telegram rows are looked for just above the chat's mark by an edit
    with the same content (see BENCHMARKS.md section 3). With `aim`, each kill waits
    (up to 30 s) for a worker with a Telegram send in flight and kills that one.
    """
    import asyncpg

    rng = random.Random(seed)
    marks = [total * (index + 1) // (kills + 1) for index in range(kills)]
    done = 0
    report: list[dict[str, Any]] = []
    for mark in marks:
        while done < mark:
            done = await progress.get()
        await all_workers_up(supervisor, workers)  # the last victim is back before the next kill
        candidates = workers_of(supervisor)
        aimed = await telegram_sender_in_flight(database_url, candidates) if aim else None
        victim = aimed if aimed is not None else rng.choice(candidates)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.perf_counter()
        connection = await asyncpg.connect(database_url)
        try:
            held = await connection.fetch(
                "SELECT platform, attempt_started_at IS NOT NULL AS started, count(*) AS n FROM outbox "
                "WHERE status = 'sending' AND claimed_by LIKE $1 GROUP BY 1, 2", f"%:{victim}")
        finally:
            await connection.close()
        in_flight = {row["platform"]: int(row["n"]) for row in held if row["started"]}
        report.append({
            "pid": victim,
            "at_s": killed_at,
            "acknowledged": done,
            "aimed": aimed is not None,
            "leased": sum(int(row["n"]) for row in held),
            "in_flight": in_flight,
        })
    return report


async def outbox_settled(database_url: str) -> bool:
    """True when no outbox row is waiting to be sent or leased (pending or sending)."""
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        left = await connection.fetchval("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
    finally:
        await connection.close()
    return int(left) == 0


async def fresh_database(url: str) -> tuple[str, str]:
    import asyncpg

    admin_dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"bench_hooks_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin_dsn)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return admin_dsn.rpartition("/")[0] + f"/{name}", name


async def drop_database(url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


async def wait_until_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"process exited with {process.returncode}")
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bot_port, telegram_port, graph_port = free_port(), free_port(), free_port()
    telegram = f"http://127.0.0.1:{telegram_port}"
    graph = f"http://127.0.0.1:{graph_port}"
    base = f"http://127.0.0.1:{bot_port}"
    database_url, database_name = await fresh_database(args.postgres_url)
    kills = 0 if args.no_kill else args.kills
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env.update({
        "BOT_DATABASE_URL": database_url,
        "BOT_HTTP__PORT": str(bot_port),
        "BOT_HTTP__PUBLIC_URL": base,
        "BOT_LOG_LEVEL": "WARNING",
        "BOT_TELEGRAM__TOKEN": TOKEN,
        "BOT_TELEGRAM__MODE": "webhook",
        "BOT_TELEGRAM__SECRET_TOKEN": TELEGRAM_SECRET,
        "BOT_TELEGRAM__BASE_URL": f"{telegram}/bot",
        "BOT_TELEGRAM__BASE_FILE_URL": f"{telegram}/file/bot",
        "BOT_WHATSAPP__ACCESS_TOKEN": ACCESS_TOKEN,
        "BOT_WHATSAPP__PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "BOT_WHATSAPP__APP_SECRET": APP_SECRET,
        "BOT_WHATSAPP__VERIFY_TOKEN": VERIFY_TOKEN,
        "BOT_WHATSAPP__GRAPH_URL": f"{graph}/v21.0",
        "PYTHONPATH": str(PROJECT_ROOT),
    })
    if args.redis_url:
        env["BOT_REDIS_URL"] = args.redis_url
    logs = Path(args.log) if args.log else None
    sink = logs.open("wb") if logs else subprocess.DEVNULL
    fakes = subprocess.Popen([sys.executable, "-m", "bench.fake_platforms", "--telegram-port", str(telegram_port),
                              "--graph-port", str(graph_port), "--status-webhook", f"{base}/webhooks/whatsapp",
                              "--app-secret", APP_SECRET, "--telegram-latency", str(args.telegram_latency)],
                             cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    supervisor = None
    try:
        await wait_until_ready(f"{telegram}/_stats", fakes)
        supervisor = subprocess.Popen([sys.executable, "-m", "bot", "run", "--workers", str(args.workers)],
                                      cwd=PROJECT_ROOT, env=env, stdout=sink, stderr=sink)
        await wait_until_ready(f"{base}/healthz", supervisor)
        await asyncio.sleep(2)  # every worker up (each answers /healthz on the shared port)
        said: list[tuple[int, int, str]] = []
        requests, expected = build_load(args.messages, args.duplicates, args.seed, said)
        async with httpx.AsyncClient(timeout=30) as client:  # the customers' messages take their numbers
            (await client.post(f"{telegram}/_incoming", json=said)).raise_for_status()
        progress: asyncio.Queue[int] = asyncio.Queue()
        killer = asyncio.create_task(kill_workers(supervisor, progress, len(requests), kills, args.workers,
                                                  database_url, args.seed, aim=args.aim_at_telegram)) if kills else None
        began = time.perf_counter()
        load = await post_all(base, requests, args.concurrency, progress)
        killed = await killer if killer else []
        for kill in killed:
            kill["at_s"] = round(kill["at_s"] - began, 2)
        want = sum(len(chats) for chats in expected.values())
        deadline = time.monotonic() + args.settle
        last_reply_s = None
        while time.monotonic() < deadline:
            got = await replies(telegram, graph)
            if last_reply_s is None and sum(len(per_chat) for per_chat in got.values()) >= want:
                last_reply_s = round(time.perf_counter() - began, 1)
            # Done when every customer has a reply and nothing is left to send: a row a killed
            # worker held goes out again only when its lease runs out, so wait for that too.
            if last_reply_s is not None and await outbox_settled(database_url):
                await asyncio.sleep(2)  # and a moment for anything sent twice to show up
                break
            await asyncio.sleep(0.5)
        got = await replies(telegram, graph)
        probes = await telegram_probes(telegram)
    finally:
        if supervisor is not None:
            supervisor.send_signal(signal.SIGTERM)
            try:
                supervisor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                supervisor.kill()
        fakes.send_signal(signal.SIGTERM)
        fakes.wait(timeout=10)
        await drop_database(args.postgres_url, database_name)
    lost = sum(1 for platform, chats in expected.items() for chat in chats if got[platform].get(chat, 0) == 0)
    doubled = {platform: sum(1 for chat in chats if got[platform].get(chat, 0) > 1)
               for platform, chats in expected.items()}
    in_flight = {platform: sum(kill["in_flight"].get(platform, 0) for kill in killed) for platform in expected}
    sends_in_flight = sum(in_flight.values())
    return {
        "workers": args.workers,
        "messages": args.messages,
        "duplicates_posted": len(requests) - args.messages,
        **load,
        "kills": len(killed),
        "killed": killed,
        "leased_at_kills": sum(kill["leased"] for kill in killed),
        "sends_in_flight_at_kills": in_flight,
        "replies_expected": want,
        "replies_received": sum(sum(per_chat.values()) for per_chat in got.values()),
        "lost": lost,
        "doubled": sum(doubled.values()),
        "doubled_by_platform": doubled,
        "doubles_per_kill": round(sum(doubled.values()) / len(killed), 2) if killed else None,
        "doubles_per_100_in_flight": round(100 * sum(doubled.values()) / sends_in_flight, 1)
        if sends_in_flight else None,
        "telegram_probe_calls": probes,
        "all_replied_after_s": last_reply_s,
        "telegram_latency_s": args.telegram_latency,
        "redis": bool(args.redis_url),
        "cpus": os.cpu_count(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kills", type=int, default=1, help="SIGKILLs spread over the load")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--aim-at-telegram", action="store_true",
                        help="each kill waits for a worker with a Telegram send in flight and kills it")
    parser.add_argument("--telegram-latency", type=float, default=0.0,
                        help="the fake Telegram answers this long after doing a call (a real network's way "
                             "back): more sends are in flight at a kill")
    parser.add_argument("--settle", type=float, default=180.0, help="seconds to wait for the last replies")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "BOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("BOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--log", help="write the workers' logs to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.redis_url in ("", "none"):
        args.redis_url = None
    result = asyncio.run(main_async(args))
    print(json.dumps(result))
    if result["lost"] or result["doubled"] > sum(result["sends_in_flight_at_kills"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
