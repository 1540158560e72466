"""The outbox sender beyond retries: rate limits, failures told to the core, self-deleting notices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.actions import Action, Ban, Delete, Send
from bot.adapters.base import (
    Capabilities,
    DeliveryResult,
    OutsideWindow,
    PermanentError,
    TransientError,
    Unsupported,
)
from bot.config import Settings
from bot.delivery import OutboxSender
from bot.events import Address, DeliveryFailed, Event
from bot.ratelimit import TELEGRAM_RATES, InMemoryRateLimiter, Rate, RatePolicy
from bot.storage.models import OutboxItem
from tests.conftest import make_settings
from tests.support.harness import Harness, RecordingAdapter


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Harness]:
    harness = await Harness.open(settings)
    yield harness
    await harness.close()


class TimedAdapter(RecordingAdapter):
    """Records the (manual) time of every call, to check the pace the sender keeps."""

    def __init__(self, platform: str, clock: object, policy: RatePolicy) -> None:
        super().__init__(platform, capabilities=Capabilities(rate_policy=policy))
        self.clock = clock
        self.times: list[datetime] = []

    async def execute(self, action: Action) -> DeliveryResult:
        self.times.append(self.clock.now())  # type: ignore[attr-defined]
        return await super().execute(action)


def paced_sender(bot: Harness, adapter: RecordingAdapter, feedback: object = None) -> OutboxSender:
    async def sleep(seconds: float) -> None:  # time passes on the manual clock only
        bot.clock.advance(seconds=seconds)

    return OutboxSender(
        bot.runtime.store, {adapter.platform: adapter}, bot.clock, bot.runtime.settings.outbox,
        feedback=feedback or bot.core.handle, limiter=InMemoryRateLimiter(), sleep=sleep,  # type: ignore[arg-type]
    )


async def enqueue(bot: Harness, *actions: Action, key: str = "u1") -> None:
    async with bot.runtime.store.transaction() as tx:
        await tx.outbox.add(list(actions), key, bot.clock.now())


async def rows(bot: Harness) -> list[OutboxItem]:
    async with bot.runtime.store.transaction() as tx:
        return list((await tx.session.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars())


async def deliver_all(bot: Harness, sender: OutboxSender, adapter: RecordingAdapter, count: int) -> None:
    """Let the sender work, a round every five seconds of manual time, until `count` actions went out."""
    for _ in range(100):
        await sender.drain(timeout=5)
        if len(adapter.executed) >= count:
            return
        bot.clock.advance(seconds=5)


async def test_a_busy_telegram_group_gets_at_most_twenty_messages_a_minute(bot: Harness) -> None:
    adapter = TimedAdapter("telegram", bot.clock, TELEGRAM_RATES)
    sender = paced_sender(bot, adapter)
    group = Address("telegram", "-100123")
    await enqueue(bot, *(Send(address=group, text=f"notice {n}") for n in range(25)))
    await deliver_all(bot, sender, adapter, 25)
    assert [a.text for a in adapter.executed] == [f"notice {n}" for n in range(25)]  # type: ignore[attr-defined]
    for start in adapter.times:
        in_a_minute = [t for t in adapter.times if 0 <= (t - start).total_seconds() < 60]
        assert len(in_a_minute) <= 20
        in_a_second = [t for t in adapter.times if 0 <= (t - start).total_seconds() < 1]
        assert len(in_a_second) <= 3
    assert {row.status for row in await rows(bot)} == {"sent"}
    assert {row.attempts for row in await rows(bot)} == {1}  # waiting for a slot is not an attempt


async def test_private_chats_are_not_held_back_by_a_busy_group(bot: Harness) -> None:
    adapter = TimedAdapter("telegram", bot.clock, TELEGRAM_RATES)
    sender = paced_sender(bot, adapter)
    await enqueue(bot, *(Send(address=Address("telegram", "-100123"), text=f"g{n}") for n in range(25)))
    await enqueue(bot, Send(address=Address("telegram", "555"), text="your answer"), key="u2")
    await sender.drain(timeout=5)
    assert "your answer" in [a.text for a in adapter.executed]  # type: ignore[attr-defined]


async def test_a_long_wait_puts_the_row_back_instead_of_holding_the_sender(bot: Harness) -> None:
    adapter = TimedAdapter("telegram", bot.clock, RatePolicy(per_chat=Rate(1, 60.0)))
    sender = paced_sender(bot, adapter)
    chat = Address("telegram", "777")
    await enqueue(bot, Send(address=chat, text="one"), Send(address=chat, text="two"))
    await sender.drain(timeout=5)
    assert [a.text for a in adapter.executed] == ["one"]  # type: ignore[attr-defined]
    _, second = await rows(bot)
    assert second.status == "pending" and second.attempts == 0
    assert second.next_attempt_at > bot.clock.now()
    bot.clock.advance(seconds=61)
    await sender.drain(timeout=5)
    assert [a.text for a in adapter.executed] == ["one", "two"]  # type: ignore[attr-defined]


class Spy:
    """Feedback that records the events the sender reports, then hands them to the core."""

    def __init__(self, bot: Harness) -> None:
        self.bot = bot
        self.events: list[Event] = []

    async def __call__(self, event: Event) -> list[Action]:
        self.events.append(event)
        return await self.bot.core.handle(event)  # type: ignore[no-any-return]

    @property
    def failures(self) -> list[DeliveryFailed]:
        return [event for event in self.events if isinstance(event, DeliveryFailed)]


async def test_a_final_failure_is_told_to_the_core_with_what_was_not_delivered(bot: Harness) -> None:
    spy = Spy(bot)
    bot.sender.feedback = spy
    bot.adapters["whatsapp"].fail_with = [OutsideWindow("24-hour window closed", substitute="template:follow_up")]
    await enqueue(bot, Send(address=Address("whatsapp", "628123"), text="Pesanan Kakak sudah dikirim", ref="t:9"))
    await bot.deliver()
    (failed,) = spy.failures
    assert (failed.reason, failed.text, failed.ref, failed.substitute) == (
        "outside_window", "Pesanan Kakak sudah dikirim", "t:9", "template:follow_up",
    )
    assert failed.address == Address("whatsapp", "628123") and failed.cause == "u1"
    (row,) = await rows(bot)
    assert (row.status, row.failure_reason, row.unreported) == ("failed", "outside_window", False)


async def test_giving_up_is_a_failure_the_core_hears_about(bot: Harness) -> None:
    spy = Spy(bot)
    bot.sender.feedback = spy
    bot.adapters["telegram"].fail_with = [TransientError("HTTP 502")] * 20
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="x"))
    for _ in range(bot.runtime.settings.outbox.max_attempts + 1):
        await bot.deliver()
        bot.clock.advance(hours=1)
    (failed,) = spy.failures
    assert failed.reason == "gave_up" and "HTTP 502" in failed.detail


async def test_what_a_platform_cannot_do_is_skipped_not_failed(bot: Harness) -> None:
    spy = Spy(bot)
    bot.sender.feedback = spy
    bot.adapters["whatsapp"].fail_with = [Unsupported("WhatsApp has no bans")]
    await enqueue(bot, Ban(address=Address("whatsapp", "628123"), user_id="628123"))
    await bot.deliver()
    (row,) = await rows(bot)
    assert (row.status, row.failure_reason) == ("skipped", "unsupported")
    assert [f.reason for f in spy.failures] == ["unsupported"]


async def test_a_notice_about_a_failure_that_fails_itself_is_not_reported_again(bot: Harness) -> None:
    spy = Spy(bot)
    bot.sender.feedback = spy
    bot.adapters["telegram"].fail_with = [PermanentError("Forbidden: bot was kicked from the group chat")]
    await enqueue(bot, Send(address=Address("telegram", "-100staff"), text="not delivered: ..."),
                  key="outbox:u7#0:failed")
    await bot.deliver()
    (row,) = await rows(bot)
    assert row.status == "failed" and spy.failures == []


async def test_failures_lost_in_a_crash_are_replayed_once(bot: Harness) -> None:
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="x"))
    bot.adapters["telegram"].fail_with = [PermanentError("Bad Request: chat not found")]

    async def crashing(event: Event) -> list[Action]:
        raise RuntimeError("process died before the core heard it")

    bot.sender.feedback = crashing
    with pytest.raises(RuntimeError):
        await bot.deliver()
    (row,) = await rows(bot)
    assert row.status == "failed" and row.unreported
    spy = Spy(bot)
    bot.sender.feedback = spy
    assert await bot.sender.recover() == 1
    assert await bot.sender.recover() == 0
    assert [(f.reason, f.detail) for f in spy.failures] == [("rejected", "Bad Request: chat not found")]


async def test_a_short_notice_deletes_itself_after_its_time_even_across_a_restart(settings: Settings) -> None:
    bot = await Harness.open(settings)
    group = Address("telegram", "-100group")
    await enqueue(bot, Send(address=group, text="Pesan dihapus: tautan tidak diizinkan", delete_after=30))
    await bot.deliver()
    await bot.close()
    bot = await Harness.open(make_settings(settings.database_url), clock=bot.clock)  # a fresh process
    try:
        bot.clock.advance(seconds=29)
        await bot.core.sweep()
        assert await bot.deliver() == []
        bot.clock.advance(seconds=2)
        await bot.core.sweep()
        (deleted,) = await bot.deliver()
        assert isinstance(deleted, Delete) and deleted.address == group
        assert deleted.message_id == "1000"  # the id the platform gave the notice
    finally:
        await bot.close()
