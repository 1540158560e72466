"""Several worker processes for one bot: `bot run --workers N`.

Every worker is a whole bot (core, sender, sweeper, HTTP server) sharing PostgreSQL:
webhooks are spread over the workers by the kernel (all listen on the same port with
SO_REUSEPORT), outbox rows are claimed with `FOR UPDATE SKIP LOCKED`, timers fire
once (their firing is deduplicated in the database), and flood windows and rate
limits are shared through Redis when `BOT_REDIS_URL` is set. What cannot be spread
is given to one worker: Telegram long polling runs in worker 0 only, and Discord
shards are divided among the workers. The supervisor restarts a worker that dies.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from bot.config import ConfigError, Settings
from bot.sop.encoders import auto_threads

log = logging.getLogger("bot.workers")

RESTART_DELAY_SECONDS = 1.0
STOP_GRACE_SECONDS = 45.0


@dataclass(frozen=True, slots=True)
class WorkerSlot:
    """Which of `count` workers this process is (0-based)."""

    index: int = 0
    count: int = 1

    @property
    def alone(self) -> bool:
        return self.count == 1


def check_workers(settings: Settings, count: int) -> None:
    if count < 1:
        raise ConfigError("--workers: expected 1 or more")
    if count > 1 and not settings.database_url.startswith("postgresql"):
        raise ConfigError(
            "several workers need PostgreSQL (database_url, env BOT_DATABASE_URL): "
            "SQLite is for one process"
        )


def settings_for(settings: Settings, slot: WorkerSlot) -> Settings:
    """This worker's share: Discord shards and the semantic encoder's CPU threads divided among workers."""
    if slot.alone:
        return settings
    if settings.support.encoder_threads is None:
        support = settings.support.model_copy(update={"encoder_threads": auto_threads(slot.count)})
        settings = settings.model_copy(update={"support": support})
    if settings.discord.token is None:
        return settings
    total = settings.discord.shard_count or slot.count
    mine = tuple(shard for shard in range(total) if shard % slot.count == slot.index)
    discord = settings.discord.model_copy(update={"shard_count": total, "shard_ids": mine})
    return settings.model_copy(update={"discord": discord})


def listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """The HTTP server's socket; `shared` lets every worker listen on the same port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def supervise(count: int, config: str | None) -> int:
    """Run `count` workers until SIGINT/SIGTERM; restart any that dies. Returns the exit code."""
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)

    def spawn(index: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "bot", "run", "--worker", f"{index}/{count}"]
        if config:
            command += ["--config", config]
        return subprocess.Popen(command, env=os.environ.copy())

    children = {index: spawn(index) for index in range(count)}
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("supervising workers", extra={"workers": count})
    while not stopping:
        time.sleep(0.2)
        for index, child in list(children.items()):
            code = child.poll()
            if code is not None and not stopping:
                log.error("worker died; restarting", extra={"worker": index, "exit_code": code})
                time.sleep(RESTART_DELAY_SECONDS)
                children[index] = spawn(index)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return 0 if all(child.returncode == 0 for child in children.values()) else 1
