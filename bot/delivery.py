"""The outbox sender: delivers stored actions through the adapters, once, in order.

Chats in parallel, each chat in order. The sender keeps up to `outbox.concurrency`
chats in flight, each in its own lane that delivers that chat's rows one after the
other; it leases more rows as soon as a lane has room, so one slow platform call
holds up its own chat and nobody else's. Leases name this sender (`host:pid`) and
are renewed while it works, so they can be short: the rows of a sender that died
go to another within one lease.

Every row is finished in its own small transaction right after its platform call:
sent (with the platform's message id), rescheduled, or failed. Before each call
the sender asks the rate limiter for a slot (per chat and overall, as the adapter's
`RatePolicy` says): a short wait is slept, a long one puts the row back until then.
A 429 waits exactly as long as the platform asked and is not an attempt (a row
told to slow down for longer than `max_rate_limited_hours` fails as
"rate_limited"); 5xx and network errors back off exponentially with jitter; after
`max_attempts` a row is failed with its error kept for staff (`bot outbox
failed`). A person who blocked the bot is marked unreachable. A refused token
(`AuthExpired`) pauses the platform: its rows stay pending, the owners are told
once, and one row is tried every `paused_probe_seconds` (and at once after a
restart) until the token works again or `bot outbox resume PLATFORM` is run.

Results the core cares about go back to it as events: a new thread's id
(`ThreadOpened`), a sent message's id (`Delivered`), every final failure
(`DeliveryFailed`) and a pause (`SendingPaused`). Each is recorded as "unreported"
and replayed by `recover()` if the process dies before the core heard it.

Nothing twice, where the platform allows it. "Attempt started" is committed before
each call, so a row its sender died with is known to be ambiguous: the platform
may have taken it. Discord makes the repeat harmless (the adapter sends a nonce
from the row's key with `enforce_nonce`); WhatsApp tells us (each message carries
the row's key as `biz_opaque_callback_data`, which status webhooks echo: the
adapter's `confirm` finds them, or waits briefly for them, before anything is sent
again). Telegram has no such key, but numbers each chat's messages in one sequence:
"attempt started" also notes the chat's highest known message id, each send's ids are
recorded with its result (`DeliveryResult.sequence_ids`), and the adapter's `confirm`
looks for a lost reply just above that mark (see `bot.adapters.telegram`). What no
platform can confirm is sent again: never lost, rarely twice. BENCHMARKS.md section 3
measures it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from bot.actions import DELETE_AFTER_TIMER, Action, OpenThread, Send
from bot.adapters.base import (
    Adapter,
    AuthExpired,
    ConfirmsDeliveries,
    DeliveryResult,
    EventSink,
    NoAnswer,
    NotYet,
    OutsideWindow,
    PermanentError,
    RecipientUnreachable,
    RetryAfter,
    Unsupported,
)
from bot.clock import Clock
from bot.config import OutboxSettings
from bot.events import Address, ChatKind, Delivered, DeliveryFailed, Event, SendingPaused, ThreadOpened
from bot.ratelimit import RateLimiter
from bot.storage import Store
from bot.storage.outbox import SENT, AttemptLog, OutboxEntry, Pause, UnreportedRow

log = logging.getLogger("bot.delivery")

Sleep = Callable[[float], Awaitable[None]]
ChatKey = tuple[str, str]

_TOKEN_NAMES = {"telegram": "Telegram bot token", "discord": "Discord bot token",
                "whatsapp": "WhatsApp access token"}


def worker_name() -> str:
    """This process, as it signs its leases: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(eq=False)
class _Lane:
    """One chat's leased rows, delivered in order by one task."""

    entries: deque[OutboxEntry] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None


class OutboxSender:
    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        settings: OutboxSettings,
        feedback: EventSink | None = None,
        rng: random.Random | None = None,
        limiter: RateLimiter | None = None,
        sleep: Sleep = asyncio.sleep,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.adapters = dict(adapters)
        self.clock = clock
        self.settings = settings
        self.feedback = feedback
        self.rng = rng or random.Random()
        self.limiter = limiter
        self.worker = worker or worker_name()
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._lanes: dict[ChatKey, _Lane] = {}
        self._held: set[int] = set()  # rows leased to this sender and not finished: their leases are renewed
        self._probes: set[int] = set()  # rows tried on a paused platform, to see whether its token works
        self._paused: dict[str, Pause] = {}
        self._calls = asyncio.Semaphore(settings.concurrency)
        self._attempts = AttemptLog(store.database)

    def wake(self) -> None:
        """Deliver soon: new rows were just written."""
        self._wake.set()

    @property
    def paused(self) -> frozenset[str]:
        """Platforms whose sending is paused, as this sender last saw."""
        return frozenset(self._paused)

    # ------------------------------------------------------------------ running

    async def deliver_due(self, limit: int = 100) -> int:
        """One round: lease due rows, deliver them and wait until they are through; how many were tried."""
        claimed = await self._claim(limit)
        tasks = self._dispatch(claimed)
        if tasks:
            await asyncio.gather(*tasks)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish what is already leased.

        Rows are leased whenever a lane is free, not batch by batch: a chat whose
        platform call hangs keeps its own lane busy and nothing else waits for it.
        """
        keeper = asyncio.create_task(self._keep_leases(stop), name="outbox-leases")
        try:
            while not stop.is_set():
                self._wake.clear()
                self._room.clear()
                room = self.settings.concurrency - len(self._lanes)
                claimed: list[OutboxEntry] = []
                if room > 0:
                    try:
                        claimed = await self._claim(room)
                    except Exception:
                        log.exception("outbox round failed")
                    for task in self._dispatch(claimed):
                        task.add_done_callback(_log_lane_failure)
                if claimed and len(claimed) >= room:
                    continue  # there may be more, and lanes to spare once these are through
                await self._wait_for_work(stop)
        finally:
            lanes = [lane.task for lane in self._lanes.values() if lane.task is not None]
            await asyncio.gather(*lanes, return_exceptions=True)
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (a budget, not a cancel)
        """Deliver what is due now, for at most `timeout` seconds (used at shutdown and in the console)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and await self.deliver_due():
            pass

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(event.wait()) for event in (stop, self._wake, self._room)]
        try:
            await asyncio.wait(waiters, timeout=self.settings.poll_interval_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _keep_leases(self, stop: asyncio.Event) -> None:
        """Renew the leases of the rows this sender holds, every quarter lease, while it lives."""
        lease = self.settings.lease_seconds
        while not stop.is_set() or self._held:
            await asyncio.sleep(lease / 4)
            if not self._held:
                continue
            try:
                async with self.store.transaction() as tx:
                    await tx.outbox.renew(set(self._held), self.worker, self.clock.now() + timedelta(seconds=lease))
            except Exception:
                log.exception("outbox leases not renewed")

    async def _claim(self, limit: int) -> list[OutboxEntry]:
        """Lease due rows of running platforms, and one row of a paused platform whose probe is due."""
        if limit <= 0:
            return []
        now = self.clock.now()
        lease = timedelta(seconds=self.settings.lease_seconds)
        async with self.store.transaction() as tx:
            pauses = await tx.outbox.paused()
            self._notice_pauses(pauses)
            running = [platform for platform in self.adapters if platform not in pauses]
            claimed = await tx.outbox.claim(running, now, limit=limit, lease=lease, worker=self.worker)
            for platform in self.adapters:
                if platform not in pauses or pauses[platform].probe_at > now or len(claimed) >= limit:
                    continue
                next_probe = now + timedelta(seconds=self.settings.paused_probe_seconds)
                if await tx.outbox.take_probe(platform, now, next_probe):
                    probe = await tx.outbox.claim([platform], now, limit=1, lease=lease, worker=self.worker)
                    self._probes.update(entry.id for entry in probe)
                    claimed.extend(probe)
        return claimed

    def _notice_pauses(self, pauses: dict[str, Pause]) -> None:
        for platform in set(self._paused) - set(pauses):
            if platform in self.adapters:
                log.warning("sending resumed", extra={"platform": platform})
        self._paused = {platform: pause for platform, pause in pauses.items() if platform in self.adapters}

    def _dispatch(self, entries: Iterable[OutboxEntry]) -> list[asyncio.Task[None]]:
        """Give each row to its chat's lane (started if the chat has none); the lanes touched."""
        tasks: dict[int, asyncio.Task[None]] = {}
        for entry in entries:
            chat = (entry.action.address.platform, entry.action.address.chat_id)
            self._held.add(entry.id)
            lane = self._lanes.get(chat)
            if lane is None:
                lane = _Lane()
                self._lanes[chat] = lane
                lane.task = asyncio.create_task(self._run_lane(chat, lane), name=f"outbox-{chat[0]}-{chat[1]}")
            lane.entries.append(entry)
            assert lane.task is not None
            tasks[id(lane.task)] = lane.task
        return list(tasks.values())

    async def _run_lane(self, chat: ChatKey, lane: _Lane) -> None:
        """Deliver one chat's rows in order; the first that must wait sends the later ones back."""
        try:
            while lane.entries:
                entry = lane.entries.popleft()
                try:
                    finished = await self._deliver_one(entry)
                finally:
                    self._held.discard(entry.id)
                    self._probes.discard(entry.id)
                if not finished:
                    later = list(lane.entries)
                    lane.entries.clear()
                    self._close_lane(chat, lane)
                    if later:
                        async with self.store.transaction() as tx:
                            for row in later:
                                await tx.outbox.release(row.id)
                        self._held.difference_update(row.id for row in later)
                    return
        finally:
            # Rows left by a failure are no longer renewed: their leases run out and they are tried again.
            self._held.difference_update(row.id for row in lane.entries)
            lane.entries.clear()
            self._close_lane(chat, lane)

    def _close_lane(self, chat: ChatKey, lane: _Lane) -> None:
        if self._lanes.get(chat) is lane:
            del self._lanes[chat]
            self._room.set()

    # ------------------------------------------------------------------ one row

    async def _deliver_one(self, entry: OutboxEntry) -> bool:
        """True when the row is finished (sent or failed for good), False when it will be tried later."""
        action = entry.action
        platform = action.address.platform
        adapter = self.adapters[platform]
        probing = entry.id in self._probes
        if platform in self._paused and not probing:
            async with self.store.transaction() as tx:
                await tx.outbox.release(entry.id)
            return False
        wait = await self._pace(adapter, action)
        if wait > 0:
            async with self.store.transaction() as tx:
                await tx.outbox.defer(entry.id, self.clock.now() + timedelta(seconds=wait))
            return False
        try:
            result = await self._attempt(adapter, entry)
        except AuthExpired as exc:
            await self._pause(entry, str(exc) or "token refused")
            return False
        except RetryAfter as exc:
            finished = await self._rate_limited(entry, exc)
        except RecipientUnreachable as exc:
            await self._fail(entry, str(exc) or "recipient unreachable", exc.reason)
            async with self.store.transaction() as tx:
                await tx.people.mark_unreachable(action.address.platform, action.address.chat_id)
            finished = True
        except OutsideWindow as exc:
            await self._fail(entry, str(exc), exc.reason, substitute=exc.substitute)
            finished = True
        except Unsupported as exc:
            await self._fail(entry, str(exc) or "not supported on this platform", exc.reason, skipped=True)
            finished = True
        except PermanentError as exc:
            await self._fail(entry, str(exc) or type(exc).__name__, exc.reason)
            finished = True
        except Exception as exc:  # TransientError, timeouts, network errors, surprises
            finished = await self._retry(entry, self._backoff(entry.attempts), f"{type(exc).__name__}: {exc}",
                                         outcome_unknown=isinstance(exc, NoAnswer))
        else:
            if result is None:  # the platform has not said yet what became of an earlier attempt
                return False
            await self._mark_sent(entry, result)
            finished = True
        if probing:
            await self._resume(platform)  # whatever the answer, the token was accepted
        return finished

    async def _attempt(self, adapter: Adapter, entry: OutboxEntry) -> DeliveryResult | None:
        """Confirm an ambiguous earlier attempt where the platform can tell; else make the call.

        None: not confirmed yet, the row was put back until the platform may have said.
        """
        action = entry.action
        if entry.started_at is not None:
            if adapter.capabilities.confirms_deliveries:
                confirmer = cast(ConfirmsDeliveries, adapter)
                confirmation = await confirmer.confirm(action, entry.key, entry.started_at)
                if isinstance(confirmation, DeliveryResult):
                    log.info("delivery confirmed after a lost answer", extra={"key": entry.key})
                    return confirmation
                if isinstance(confirmation, NotYet):
                    async with self.store.transaction() as tx:
                        await tx.outbox.defer(entry.id, self.clock.now() + timedelta(seconds=confirmation.seconds))
                    return None
            log.warning(
                "sending again: the answer to an earlier attempt was lost",
                extra={"key": entry.key, "action": action.kind, "chat": str(action.address),
                       "started": entry.started_at.isoformat()},
            )
        await self._attempts.started(entry.id, self.clock.now())
        async with self._calls:
            if adapter.capabilities.delivery_keys:
                return await adapter.execute(action, key=entry.key)  # type: ignore[call-arg]
            return await adapter.execute(action)

    async def _mark_sent(self, entry: OutboxEntry, result: DeliveryResult) -> None:
        action = entry.action
        feedback = self._result_event(entry, result)
        now = self.clock.now()
        outcome = result.thread_id or result.message_id
        ours = (action.address.platform, action.address.chat_id, result.sequence_ids) if result.sequence_ids else None
        if isinstance(action, Send) and action.delete_after and result.message_id:
            async with self.store.transaction() as tx:
                await tx.outbox.mark_sent(entry.id, now, outcome, unreported=feedback is not None, ours=ours)
                # A timer, not a sleeping task: the deletion survives a restart.
                await tx.timers.schedule(
                    DELETE_AFTER_TIMER,
                    entry.key,
                    now + timedelta(seconds=action.delete_after),
                    action.address,
                    {"message_id": result.message_id},
                )
        else:
            await self._attempts.sent(entry.id, now, outcome, unreported=feedback is not None, ours=ours)
        if feedback is not None:
            await self._report(entry.id, feedback)

    async def _pace(self, adapter: Adapter, action: Action) -> float:
        """Wait for a rate-limit slot: 0 when one was taken, else seconds until the row may go."""
        policy = adapter.capabilities.rate_policy
        if policy is None or self.limiter is None:
            return 0.0
        buckets = policy.buckets(action)
        if not buckets:
            return 0.0
        while True:
            wait = await self.limiter.acquire(buckets, self.clock.now().timestamp())
            if wait <= 0:
                return 0.0
            if wait > self.settings.max_rate_wait_seconds:
                return wait
            await self._sleep(wait)

    # ------------------------------------------------------------------ paused platforms

    async def _pause(self, entry: OutboxEntry, error: str) -> None:
        """The platform refused our token: keep the row, stop the platform, tell the owners once."""
        platform = entry.action.address.platform
        now = self.clock.now()
        async with self.store.transaction() as tx:
            await tx.outbox.retry_at(entry.id, now, error, counted=False)
            first = await tx.outbox.pause(
                platform, error, now, now + timedelta(seconds=self.settings.paused_probe_seconds)
            )
            pauses = await tx.outbox.paused()
        self._notice_pauses(pauses)
        if not first:
            return
        log.error(
            "%s refused: sending paused; set a new token and restart, or run `bot outbox resume %s`",
            _TOKEN_NAMES.get(platform, f"{platform} token"), platform,
            extra={"platform": platform, "error": error[:200]},
        )
        pause = self._paused.get(platform)
        if pause is not None:
            await self._alert(pause)

    async def _resume(self, platform: str) -> None:
        async with self.store.transaction() as tx:
            ended = await tx.outbox.resume(platform)
        self._paused.pop(platform, None)
        self._wake.set()
        if ended is None:
            return
        log.warning("sending resumed: the token works again", extra={"platform": platform})
        if self.feedback is not None:
            await self.feedback(self._pause_event(ended, resumed=True))

    async def _alert(self, pause: Pause) -> None:
        if self.feedback is None:
            return
        await self.feedback(self._pause_event(pause, resumed=False))  # deduplicated by its update id
        async with self.store.transaction() as tx:
            await tx.outbox.mark_pause_alerted(pause.platform)

    def _pause_event(self, pause: Pause, *, resumed: bool) -> SendingPaused:
        state = "resumed" if resumed else "paused"
        return SendingPaused(
            update_id=f"outbox:{state}:{pause.platform}:{pause.since.isoformat()}",
            address=Address(pause.platform, "*"),
            at=self.clock.now(),
            detail=pause.reason,
            resumed=resumed,
        )

    # ------------------------------------------------------------------ after a crash

    async def recover(self) -> int:
        """After a start: replay outcomes a crash kept from the core, alert owners of a pause a crash
        kept quiet, and try paused platforms at once (a restart may have brought a new token)."""
        async with self.store.transaction() as tx:
            rows = await tx.outbox.unreported(self.adapters)
            await tx.outbox.probe_soon(self.adapters, self.clock.now())
            pauses = await tx.outbox.paused()
        self._notice_pauses(pauses)
        for pause in self._paused.values():
            if not pause.alerted:
                await self._alert(pause)
        for row in rows:
            event = self._replayed_event(row)
            if event is not None:
                await self._report(row.entry.id, event)
            else:
                async with self.store.transaction() as tx:
                    await tx.outbox.mark_reported(row.entry.id)
        return len(rows)

    def _replayed_event(self, row: UnreportedRow) -> Event | None:
        action = row.entry.action
        if row.status == SENT:
            result = row.result or ""
            outcome = DeliveryResult(
                message_id=result if isinstance(action, Send) else None,
                thread_id=result if isinstance(action, OpenThread) else None,
            )
            return self._result_event(row.entry, outcome)
        substitute = None
        error = row.error or ""
        if row.failure_reason == "outside_window" and error.startswith("[sent "):
            substitute = error[len("[sent ") : error.index("]")]
        return self._failure_event(row.entry, row.failure_reason or "rejected", error, substitute)

    # ------------------------------------------------------------------ retries and failures

    async def _rate_limited(self, entry: OutboxEntry, exc: RetryAfter) -> bool:
        """A 429 is the platform's pace, not a failure: wait as asked, without counting an attempt,
        unless the row has waited longer than anyone would still want it."""
        now = self.clock.now()
        bound = timedelta(hours=self.settings.max_rate_limited_hours)
        if entry.created_at is not None and now - entry.created_at > bound:
            hours = self.settings.max_rate_limited_hours
            await self._fail(entry, f"rate limited too long (over {hours:g} h): {exc}", "rate_limited")
            return True
        delay = exc.seconds + self.rng.uniform(0, 0.1 * exc.seconds)
        log.warning(
            "delivery rate limited",
            extra={"key": entry.key, "action": entry.action.kind, "delay_s": round(delay, 2),
                   "error": str(exc)[:200]},
        )
        async with self.store.transaction() as tx:
            await tx.outbox.retry_at(entry.id, now + timedelta(seconds=delay), str(exc), counted=False)
        return False

    async def _retry(self, entry: OutboxEntry, delay: float, error: str, *, outcome_unknown: bool = False) -> bool:
        if entry.attempts >= self.settings.max_attempts:
            await self._fail(entry, f"gave up after {entry.attempts} attempts: {error}", "gave_up")
            return True
        log.warning(
            "delivery retry",
            extra={"key": entry.key, "action": entry.action.kind, "attempt": entry.attempts,
                   "delay_s": round(delay, 2), "error": error[:200]},
        )
        async with self.store.transaction() as tx:
            await tx.outbox.retry_at(entry.id, self.clock.now() + timedelta(seconds=delay), error,
                                     outcome_unknown=outcome_unknown)
        return False

    async def _fail(
        self, entry: OutboxEntry, error: str, reason: str, *, substitute: str | None = None, skipped: bool = False
    ) -> None:
        log.log(
            logging.WARNING if skipped else logging.ERROR,
            "delivery skipped" if skipped else "delivery failed",
            extra={"key": entry.key, "action": entry.action.kind, "chat": str(entry.action.address),
                   "reason": reason, "error": error[:200]},
        )
        if substitute:
            error = f"[sent {substitute}] {error}"
        event = self._failure_event(entry, reason, error, substitute)
        async with self.store.transaction() as tx:
            await tx.outbox.fail(
                entry.id, self.clock.now(), error, reason=reason, skipped=skipped, unreported=event is not None
            )
        if event is not None:
            await self._report(entry.id, event)

    def _backoff(self, attempts: int) -> float:
        base = min(self.settings.max_backoff_seconds, self.settings.base_backoff_seconds * 2.0 ** (attempts - 1))
        return base * (0.5 + self.rng.random())  # full jitter around the exponential step

    async def _report(self, row_id: int, event: Event) -> None:
        assert self.feedback is not None
        await self.feedback(event)  # deduplicated by its update id if this is a replay
        async with self.store.transaction() as tx:
            await tx.outbox.mark_reported(row_id)

    def _result_event(self, entry: OutboxEntry, result: DeliveryResult) -> ThreadOpened | Delivered | None:
        """What the core asked to learn from this delivery: a new thread's id or a message's id."""
        action = entry.action
        if self.feedback is None:
            return None
        if isinstance(action, OpenThread) and result.thread_id:
            event: ThreadOpened | Delivered = ThreadOpened(
                update_id=f"outbox:{entry.key}:opened",
                address=action.address.in_thread(result.thread_id),
                at=self.clock.now(),
                chat_kind=ChatKind.GROUP,
                ref=action.ref,
            )
            return event
        if isinstance(action, Send) and action.ref and result.message_id:
            return Delivered(
                update_id=f"outbox:{entry.key}:delivered",
                address=action.address,
                at=self.clock.now(),
                ref=action.ref,
                message_id=result.message_id,
            )
        return None

    def _failure_event(
        self, entry: OutboxEntry, reason: str, error: str, substitute: str | None
    ) -> DeliveryFailed | None:
        if self.feedback is None or is_failure_notice(entry.key):
            return None
        return failure_event(entry, reason, error, self.clock.now(), substitute=substitute)


def _log_lane_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox lane failed; its rows are tried again when their leases run out",
                  exc_info=task.exception())


def failure_event(
    entry: OutboxEntry, reason: str, detail: str, at: datetime, *, substitute: str | None = None
) -> DeliveryFailed:
    """The `DeliveryFailed` event for an outbox row (also used by adapters that learn of failures later)."""
    action = entry.action
    return DeliveryFailed(
        update_id=f"outbox:{entry.key}:failed",
        address=action.address,
        at=at,
        action_kind=action.kind,
        reason=reason,
        detail=detail[:500],
        ref=getattr(action, "ref", None),
        text=action.text if isinstance(action, Send) else "",
        substitute=substitute,
        cause=entry.key.rsplit("#", 1)[0],
    )


def is_failure_notice(key: str) -> bool:
    """True for rows written while handling a `DeliveryFailed`: their own failure is not reported,
    or a staff chat the bot cannot reach would produce notices about notices forever."""
    return key.startswith("outbox:") and ":failed#" in key
