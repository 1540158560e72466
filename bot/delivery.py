"""The outbox sender: delivers stored actions through the adapters, once, in order.

It leases due rows, runs each chat's rows in order (chats in parallel), and marks
every row sent, rescheduled or failed in its own small transaction right after the
platform call. Before each call it asks the rate limiter for a slot (per chat and
overall, as the adapter's `RatePolicy` says): a short wait is slept, a long one
puts the row back until then. A 429 waits exactly as long as the platform asked;
5xx and network errors back off exponentially with jitter; after `max_attempts` a
row is failed with its error kept for staff (`bot outbox failed`). A person who
blocked the bot is marked unreachable.

Results the core cares about go back to it as events: a new thread's id
(`ThreadOpened`), a sent message's id (`Delivered`), and every final failure
(`DeliveryFailed`), so a capability can tell the agent what did not arrive. Each
of those is recorded as "unreported" with the row's outcome and replayed by
`recover()` if the process dies before the core heard it.

What stays at-least-once: a crash after the platform accepted a call and before
its row was marked sent. The lease runs out and another sender repeats the call.
Adapters that can make the repeat harmless take the row's `key` (Discord's
`enforce_nonce`; splitting progress on Telegram within one process).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.actions import DELETE_AFTER_TIMER, Action, OpenThread, Send
from bot.adapters.base import (
    Adapter,
    DeliveryResult,
    EventSink,
    OutsideWindow,
    PermanentError,
    RecipientUnreachable,
    RetryAfter,
    Unsupported,
)
from bot.clock import Clock
from bot.config import OutboxSettings
from bot.events import ChatKind, Delivered, DeliveryFailed, Event, ThreadOpened
from bot.ratelimit import RateLimiter
from bot.storage import Store
from bot.storage.outbox import SENT, OutboxEntry, UnreportedRow

log = logging.getLogger("bot.delivery")

Sleep = Callable[[float], Awaitable[None]]


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
    ) -> None:
        self.store = store
        self.adapters = dict(adapters)
        self.clock = clock
        self.settings = settings
        self.feedback = feedback
        self.rng = rng or random.Random()
        self.limiter = limiter
        self._sleep = sleep
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Deliver soon: new rows were just written."""
        self._wake.set()

    async def deliver_due(self, limit: int = 100) -> int:
        """One round: lease due rows and deliver them; returns how many rows were tried."""
        async with self.store.transaction() as tx:
            claimed = await tx.outbox.claim(
                self.adapters,
                self.clock.now(),
                limit=limit,
                lease=timedelta(seconds=self.settings.lease_seconds),
            )
        if not claimed:
            return 0
        by_chat: dict[tuple[str, str], list[OutboxEntry]] = defaultdict(list)
        for entry in claimed:
            by_chat[(entry.action.address.platform, entry.action.address.chat_id)].append(entry)
        await asyncio.gather(*(self._deliver_chat(entries) for entries in by_chat.values()))
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then finish what is already leased."""
        while not stop.is_set():
            try:
                tried = await self.deliver_due()
            except Exception:
                log.exception("outbox round failed")
                tried = 0
            if tried:
                continue
            self._wake.clear()
            waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            _, pending = await asyncio.wait(
                waiters, timeout=self.settings.poll_interval_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for waiter in pending:
                waiter.cancel()

    async def drain(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 (a budget, not a cancel)
        """Deliver what is due now, for at most `timeout` seconds (used at shutdown and in the console)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline and await self.deliver_due():
            pass

    async def _deliver_chat(self, entries: list[OutboxEntry]) -> None:
        for index, entry in enumerate(entries):
            delivered = await self._deliver_one(entry)
            if not delivered:
                # Keep the chat's order: later rows wait until this one is through.
                async with self.store.transaction() as tx:
                    for later in entries[index + 1 :]:
                        await tx.outbox.release(later.id)
                return

    async def _deliver_one(self, entry: OutboxEntry) -> bool:
        """True when the row is finished (sent or failed for good), False when it will be tried later."""
        action = entry.action
        adapter = self.adapters[action.address.platform]
        wait = await self._pace(adapter, action)
        if wait > 0:
            async with self.store.transaction() as tx:
                await tx.outbox.defer(entry.id, self.clock.now() + timedelta(seconds=wait))
            return False
        try:
            if adapter.capabilities.delivery_keys:
                result = await adapter.execute(action, key=entry.key)  # type: ignore[call-arg]
            else:
                result = await adapter.execute(action)
        except RetryAfter as exc:
            return await self._retry(entry, exc.seconds + self.rng.uniform(0, 0.1 * exc.seconds), str(exc))
        except RecipientUnreachable as exc:
            await self._fail(entry, str(exc) or "recipient unreachable", exc.reason)
            async with self.store.transaction() as tx:
                await tx.people.mark_unreachable(action.address.platform, action.address.chat_id)
            return True
        except OutsideWindow as exc:
            await self._fail(entry, str(exc), exc.reason, substitute=exc.substitute)
            return True
        except Unsupported as exc:
            await self._fail(entry, str(exc) or "not supported on this platform", exc.reason, skipped=True)
            return True
        except PermanentError as exc:
            await self._fail(entry, str(exc) or type(exc).__name__, exc.reason)
            return True
        except Exception as exc:  # TransientError, timeouts, network errors, surprises
            return await self._retry(entry, self._backoff(entry.attempts), f"{type(exc).__name__}: {exc}")
        feedback = self._result_event(entry, result)
        now = self.clock.now()
        async with self.store.transaction() as tx:
            await tx.outbox.mark_sent(
                entry.id, now, result.thread_id or result.message_id, unreported=feedback is not None
            )
            if isinstance(action, Send) and action.delete_after and result.message_id:
                # A timer, not a sleeping task: the deletion survives a restart.
                await tx.timers.schedule(
                    DELETE_AFTER_TIMER,
                    entry.key,
                    now + timedelta(seconds=action.delete_after),
                    action.address,
                    {"message_id": result.message_id},
                )
        if feedback is not None:
            await self._report(entry.id, feedback)
        return True

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

    async def recover(self) -> int:
        """Replay outcomes a crash kept from the core (finished, but not yet reported)."""
        async with self.store.transaction() as tx:
            rows = await tx.outbox.unreported(self.adapters)
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

    async def _retry(self, entry: OutboxEntry, delay: float, error: str) -> bool:
        if entry.attempts >= self.settings.max_attempts:
            await self._fail(entry, f"gave up after {entry.attempts} attempts: {error}", "gave_up")
            return True
        log.warning(
            "delivery retry",
            extra={"key": entry.key, "action": entry.action.kind, "attempt": entry.attempts,
                   "delay_s": round(delay, 2), "error": error[:200]},
        )
        async with self.store.transaction() as tx:
            await tx.outbox.retry_at(entry.id, self.clock.now() + timedelta(seconds=delay), error)
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
