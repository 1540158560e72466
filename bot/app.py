"""Assembling the bot: database, SOP, core, adapters, sender, sweeper and HTTP server.

`Runtime` is what every entry point needs (CLI commands, the console chat, tests);
`serve` runs the whole bot until SIGINT/SIGTERM and shuts down in order: stop
taking updates, finish the ones in flight, deliver what is due, close the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from bot import shared_redis
from bot.actions import Action
from bot.adapters.base import Adapter, EventSink
from bot.adapters.commands import command_catalog
from bot.adapters.registry import build_adapters
from bot.batching import EventBatcher
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.core import Core
from bot.delivery import OutboxSender
from bot.events import Event
from bot.groupmod.wiring import moderation_extras
from bot.ratelimit import InMemoryRateLimiter
from bot.sop.decide import thresholds_from
from bot.sop.encoders import configured_encoder
from bot.sop.knowledge import KnowledgeBase
from bot.sop.library import SopLibrary
from bot.sop.loader import SopProblem
from bot.sop.model import SopEntry
from bot.sop_sync import sync_library
from bot.storage import Database, Store
from bot.storage.migrate import upgrade
from bot.workers import WorkerSlot, listening_socket, settings_for

log = logging.getLogger("bot.app")

SWEEP_INTERVAL_SECONDS = 1.0
HOUSEKEEPING_INTERVAL_SECONDS = 3600.0


class SopLoadError(Exception):
    def __init__(self, problems: tuple[SopProblem, ...], message: str | None = None) -> None:
        super().__init__(message or f"{len(problems)} problem(s) in the SOP")
        self.problems = problems


def knowledge_factory(settings: Settings) -> Callable[[tuple[SopEntry, ...]], KnowledgeBase]:
    """How to build a knowledge base from entries, with the configured thresholds and encoder."""
    support = settings.support
    try:
        encoder = configured_encoder(
            support.encoder,
            support.model,
            runtime=support.runtime,
            model_path=support.model_path,
            cache_dir=support.model_cache,
            threads=support.encoder_threads,
            precision=support.precision,
        )
    except (OSError, ImportError, ValueError) as error:
        raise SopLoadError((), f"support.encoder is semantic but the encoder cannot start: {error}") from error
    thresholds = thresholds_from(support.thresholds)

    def build(entries: tuple[SopEntry, ...]) -> KnowledgeBase:
        return KnowledgeBase.build(entries, thresholds=thresholds, encoder=encoder, languages=support.languages)

    return build


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    database: Database
    store: Store
    library: SopLibrary
    core: Core

    @classmethod
    async def open(cls, settings: Settings, clock: Clock | None = None, *, migrate: bool = True) -> Runtime:
        clock = clock or SystemClock()
        if migrate:
            await upgrade(settings.database_url)
        database = Database(settings.database_url)
        store = Store(database)
        library = SopLibrary(settings.support.sop_dir, knowledge_factory(settings), settings.support.languages)
        result = await sync_library(store, library, force=True)
        if result is not None and not result.ok:
            await database.dispose()
            raise SopLoadError(result.problems)
        core = Core(store=store, library=library, clock=clock, settings=settings, extras=moderation_extras())
        return cls(settings, clock, database, store, library, core)

    async def close(self) -> None:
        await self.database.dispose()


@dataclass
class InFlight:
    """Counts events being handled, so shutdown can wait for them."""

    count: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()

    def wrap(self, batcher: EventBatcher, sender: OutboxSender) -> EventSink:
        async def sink(event: Event) -> list[Action]:
            self.count += 1
            self.idle.clear()
            try:
                actions = await batcher.submit(event)
            finally:
                self.count -= 1
                if self.count == 0:
                    self.idle.set()
            if actions:
                sender.wake()
            return actions

        return sink


async def serve(
    settings: Settings,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
    slot: WorkerSlot = WorkerSlot(),  # noqa: B008 (frozen)
) -> None:
    """Run the bot (or one worker of several) until `stop` is set or SIGINT/SIGTERM arrives."""
    from bot.web import Server, build_app

    settings = settings_for(settings, slot)

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    runtime = await Runtime.open(settings, clock, migrate=slot.alone)  # the supervisor migrated
    redis = shared_redis.connect(settings.redis_url) if settings.redis_url else None
    if redis is not None:
        runtime.core.extras["redis"] = redis
        runtime.core.extras.update(moderation_extras(redis))  # flood counters shared by the workers
    commands = command_catalog(runtime.core.commands.specs, runtime.core.texts, settings.support.languages)
    adapters: list[Adapter] = build_adapters(settings, runtime.clock, store=runtime.store, commands=commands)
    receiving = [a for a in adapters if slot.index == 0 or not _polls(a, settings)]
    sender = OutboxSender(
        runtime.store, {a.platform: a for a in adapters}, runtime.clock, settings.outbox, feedback=runtime.core.handle,
        limiter=shared_redis.RedisRateLimiter(redis) if redis is not None else InMemoryRateLimiter(),
    )
    in_flight = InFlight()
    batcher = EventBatcher(runtime.core)
    sink = in_flight.wrap(batcher, sender)
    sender_stop = asyncio.Event()
    tasks = [
        asyncio.create_task(sender.run(sender_stop), name="outbox-sender"),
        asyncio.create_task(_sweep_forever(runtime, stop), name="sweeper"),
    ]
    server: Server | None = None
    if settings.http.enabled:
        import uvicorn

        app = build_app(runtime.store, adapters, max_body_bytes=settings.http.max_body_bytes)
        config = uvicorn.Config(app, log_config=None, lifespan="off")
        server = Server(config)
        sock = listening_socket(settings.http.host, settings.http.port, shared=not slot.alone)
        tasks.append(asyncio.create_task(server.serve(sockets=[sock]), name="http"))
    await sender.recover()
    for adapter in receiving:
        await adapter.start(sink)
        log.info("adapter started", extra={"platform": adapter.platform})
    log.info(
        "bot running",
        extra={"worker": f"{slot.index}/{slot.count}",
               "adapters": ",".join(a.platform for a in receiving) or "none",
               "http": f"{settings.http.host}:{settings.http.port}" if server else "off",
               "sop_entries": len(runtime.library.current.entries)},
    )
    try:
        await stop.wait()
    finally:
        log.info("shutting down: finishing work in flight")
        if server is not None:
            server.should_exit = True
        for adapter in receiving:
            with contextlib.suppress(Exception):
                await adapter.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(in_flight.idle.wait(), timeout=30)
        await batcher.close()
        await sender.drain(timeout=10)
        sender_stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for adapter in adapters:
            close = getattr(adapter, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        if redis is not None:
            await redis.aclose()
        await runtime.close()
        log.info("stopped")


def _polls(adapter: Adapter, settings: Settings) -> bool:
    """Adapters that pull updates (Telegram long polling) run in one worker only."""
    return adapter.platform == "telegram" and settings.telegram.mode == "polling"


async def _sweep_forever(runtime: Runtime, stop: asyncio.Event) -> None:
    """Fire due timers, follow SOP reloads from other workers, and tidy up now and then."""
    core = runtime.core
    loop = asyncio.get_running_loop()
    next_housekeeping = loop.time() + HOUSEKEEPING_INTERVAL_SECONDS
    while not stop.is_set():
        try:
            await core.sweep()
            await sync_library(runtime.store, runtime.library)
            if loop.time() >= next_housekeeping:
                await core.housekeeping()
                next_housekeeping = loop.time() + HOUSEKEEPING_INTERVAL_SECONDS
        except Exception:
            log.exception("sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=SWEEP_INTERVAL_SECONDS)
