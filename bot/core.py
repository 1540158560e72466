"""The core: one event in, actions out, in one transaction with the outbox.

`Core.handle` skips updates it has seen (stored ids, so across restarts and
workers), walks the handler pipeline, and stores the resulting actions in the
outbox in the same transaction as every state change they depend on. Delivery is
the sender's job (`bot.delivery`). `Core.sweep` fires due timers through the same
path, so a mute expiry is handled exactly like a message.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.actions import Action, Send
from bot.clock import Clock
from bot.config import Settings
from bot.events import ChatKind, Command, Event, TimerFired
from bot.handlers import COMMANDS, PREPARERS, build_pipeline
from bot.handlers.context import Context, Handler, Outcome, Preparer
from bot.handlers.registry import CommandTable
from bot.handoff.privacy import purge_expired as purge_expired_transcripts
from bot.i18n import Translator
from bot.privacy import Masker
from bot.sop.library import SopLibrary
from bot.storage import Store, Tx
from bot.storage.timers import DueTimer

log = logging.getLogger("bot.core")

DEDUPE_RETENTION = timedelta(days=7)
_PERSON_REFRESH = timedelta(minutes=10)
# People and chats remembered as stored: beyond this the least recently stored are
# forgotten (and written again when next seen). Large enough that a busy community
# bot (100,000 members over 10,000 groups) does not forget whom it saw a minute ago.
_SEEN_LIMIT = 400_000


class Core:
    def __init__(
        self,
        *,
        store: Store,
        library: SopLibrary,
        clock: Clock,
        settings: Settings,
        texts: Translator | None = None,
        commands: CommandTable | None = None,
        pipeline: tuple[Handler, ...] | None = None,
        extras: dict[str, Any] | None = None,
        preparers: tuple[Preparer, ...] | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.settings = settings
        self.texts = texts or Translator.load(default_language=settings.default_language)
        self.commands = commands or CommandTable(COMMANDS)
        self.pipeline = pipeline or build_pipeline(self.commands)
        self.preparers = PREPARERS if preparers is None else preparers
        self.extras = extras or {}
        self.mask = Masker.from_settings(settings.privacy)
        # Per-process memo of people and chats already stored, to spare a write per group message.
        self._seen: OrderedDict[str, tuple[tuple[object, ...], float]] = OrderedDict()

    async def handle(self, event: Event) -> list[Action]:
        return await self._process(event)

    async def handle_batch(self, events: Sequence[Event]) -> list[list[Action]]:
        """Handle several events in one transaction (group commit); the actions of each, in order.

        Under load this is what keeps the database from being the bottleneck: one
        BEGIN, one dedupe insert, one outbox insert and one COMMIT for the whole batch.
        Events are walked in order, so a chat's messages keep their order. If anything
        fails, the batch is rolled back and every event is handled on its own, so one
        bad update cannot take the others down with it.
        """
        if len(events) == 1:
            return [await self._process(events[0])]
        started = time.perf_counter()
        try:
            async with self.store.transaction() as tx:
                now = self.clock.now()
                fresh = await tx.dedupe.first_time_many([event.update_id for event in events], now)
                await self._remember([event for event in events if event.update_id in fresh], tx)
                await tx.prefetch([event for event in events if event.update_id in fresh])
                for prepare in self.preparers:
                    await prepare([event for event in events if event.update_id in fresh], self.context(tx))
                outcomes: list[tuple[str, list[Action]]] = []
                for event in events:
                    if event.update_id not in fresh:
                        outcomes.append(("duplicate", []))
                        continue
                    fresh.discard(event.update_id)  # the same update twice in one batch: once
                    labels, actions = await self._walk(event, tx)
                    outcomes.append((",".join(labels) or "ignored", actions))
                await tx.outbox.add_many(
                    [(event.update_id, actions) for event, (_, actions) in zip(events, outcomes, strict=True)
                     if actions],
                    self.clock.now(),
                )
        except Exception:
            log.warning("batch failed; handling its %d events one by one", len(events), exc_info=True)
            self._seen.clear()  # people and chats remembered inside the rolled-back batch were not stored
            return [await self._process(event) for event in events]
        for event, (label, actions) in zip(events, outcomes, strict=True):
            self._log(event, label, actions, started)
        return [actions for _, actions in outcomes]

    async def _process(self, event: Event, timer: DueTimer | None = None) -> list[Action]:
        started = time.perf_counter()
        try:
            async with self.store.transaction() as tx:
                if not await tx.dedupe.first_time(event.update_id, self.clock.now()):
                    self._log(event, "duplicate", [], started)
                    return []
                if timer is not None and not await tx.timers.mark_fired(timer, self.clock.now()):
                    self._log(event, "timer_moved", [], started)
                    return []
                await self._remember([event], tx)
                outcome_labels, actions = await self._walk(event, tx)
                await tx.outbox.add(actions, event.update_id, self.clock.now())
        except Exception:
            log.exception("handler failed event=%s update=%s", event.kind, event.update_id)
            actions = await self._apologise(event)
            self._log(event, "error", actions, started)
            return actions
        self._log(event, ",".join(outcome_labels) or "ignored", actions, started)
        return actions

    async def sweep(self, limit: int = 100) -> int:
        """Fire every timer that is due; returns how many fired."""
        now = self.clock.now()
        async with self.store.transaction() as tx:
            due = await tx.timers.due(now, limit)
        fired = 0
        for timer in due:
            event = TimerFired(
                update_id=f"timer:{timer.id}:{timer.due_at.isoformat()}",
                address=timer.address,
                at=now,
                chat_kind=ChatKind.GROUP,
                timer_kind=timer.kind,
                key=timer.key,
                payload=timer.payload,
            )
            # Marking the timer fired and acting on it share one transaction: never lost, never twice.
            await self._process(event, timer)
            fired += 1
        return fired

    async def housekeeping(self) -> None:
        """Forget processed update ids and fired timers older than the retention; purge old transcripts."""
        cutoff = self.clock.now() - DEDUPE_RETENTION
        async with self.store.transaction() as tx:
            await tx.dedupe.forget_before(cutoff)
            await tx.message_ids.forget_before(cutoff)
            await tx.timers.forget_fired_before(cutoff)
            await purge_expired_transcripts(tx, self.settings, self.clock.now())

    def context(self, tx: Tx) -> Context:
        return Context(
            tx=tx,
            library=self.library,
            settings=self.settings,
            texts=self.texts,
            mask=self.mask,
            now=self.clock.now(),
            commands=self.commands,
            extras=self.extras,
        )

    async def _walk(self, event: Event, tx: Tx) -> tuple[list[str], list[Action]]:
        ctx = self.context(tx)
        labels: list[str] = []
        actions: list[Action] = []
        for handler in self.pipeline:
            outcome: Outcome | None = await handler(event, ctx)
            if outcome is None:
                continue
            actions.extend(outcome.actions)
            if outcome.label:
                labels.append(outcome.label)
            if outcome.stop:
                break
        return labels, actions

    async def _remember(self, events: Sequence[Event], tx: Tx) -> None:
        """Store senders and chats, unless this process stored them a moment ago (one statement each)."""
        people = []
        chats = []
        for event in events:
            sender = event.sender
            if sender is not None and self._stale(sender.key, (sender.name, sender.username, sender.language)):
                people.append(sender)
            if event.chat_kind is not ChatKind.PRIVATE and self._stale(
                event.address.chat_key, (event.chat_title,)
            ):
                chats.append((event.address, event.chat_kind.value, event.chat_title))
        now = self.clock.now()
        await tx.people.touch_many(people, now)
        await tx.chats.ensure_many(chats, now)

    def _stale(self, key: str, fingerprint: tuple[object, ...]) -> bool:
        moment = time.monotonic()
        seen = self._seen.get(key)
        if seen is not None and seen[0] == fingerprint and moment - seen[1] < _PERSON_REFRESH.total_seconds():
            return False
        self._seen[key] = (fingerprint, moment)
        self._seen.move_to_end(key)
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    async def _apologise(self, event: Event) -> list[Action]:
        """After a failure: mark the update handled (no retry loop) and tell a person who asked."""
        actions: list[Action] = []
        if event.sender is not None and (
            event.chat_kind is ChatKind.PRIVATE or isinstance(event, Command)
        ):
            language = self.settings.default_language
            actions.append(Send(address=event.address, text=self.texts("core.internal_error", language)))
        async with self.store.transaction() as tx:
            if await tx.dedupe.first_time(event.update_id, self.clock.now()):
                await tx.outbox.add(actions, event.update_id, self.clock.now())
            else:
                actions = []
        return actions

    def _log(self, event: Event, outcome: str, actions: list[Action], started: float) -> None:
        log.info(
            "handled",
            extra={
                "event": event.kind,
                "update": event.update_id,
                "chat": str(event.address),
                "outcome": outcome,
                "actions": ",".join(action.kind for action in actions) or "-",
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
