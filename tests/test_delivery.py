"""The outbox sender: retries, 429s, permanent failures, order, and results fed back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.actions import OpenThread, Send
from bot.adapters.base import PermanentError, RecipientUnreachable, RetryAfter, TransientError
from bot.config import Settings
from bot.events import Address
from bot.storage.models import OutboxItem
from tests.support.harness import Harness


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Harness]:
    harness = await Harness.open(settings)
    yield harness
    await harness.close()


async def enqueue(bot: Harness, *actions: Send | OpenThread, key: str = "u1") -> None:
    async with bot.runtime.store.transaction() as tx:
        await tx.outbox.add(list(actions), key, bot.clock.now())


async def rows(bot: Harness) -> list[OutboxItem]:
    async with bot.runtime.store.transaction() as tx:
        return list((await tx.session.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars())


async def test_a_429_waits_as_long_as_the_platform_asked(bot: Harness) -> None:
    telegram = bot.adapters["telegram"]
    telegram.fail_with = [RetryAfter(7)]
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="hello"))
    assert await bot.deliver() == []
    bot.clock.advance(seconds=6)
    assert await bot.deliver() == []
    bot.clock.advance(seconds=2)
    assert [a.text for a in await bot.deliver()] == ["hello"]  # type: ignore[attr-defined]
    (row,) = await rows(bot)
    assert row.status == "sent" and row.attempts == 1  # being told to slow down is not an attempt


async def test_server_errors_back_off_and_the_chat_keeps_its_order(bot: Harness) -> None:
    telegram = bot.adapters["telegram"]
    telegram.fail_in_chat["c1"] = [TransientError("HTTP 502"), TransientError("timeout")]
    chat = Address("telegram", "c1")
    await enqueue(bot, Send(address=chat, text="first"), Send(address=chat, text="second"))
    await enqueue(bot, Send(address=Address("telegram", "c2"), text="other chat"), key="u2")
    delivered = await bot.deliver()
    assert [a.text for a in delivered] == ["other chat"]  # type: ignore[attr-defined]
    for _ in range(4):
        bot.clock.advance(minutes=5)
        delivered += await bot.deliver()
    assert [a.text for a in delivered] == ["other chat", "first", "second"]  # type: ignore[attr-defined]


async def test_the_sender_gives_up_after_the_bound_and_keeps_the_error(bot: Harness) -> None:
    telegram = bot.adapters["telegram"]
    telegram.fail_with = [TransientError("HTTP 500")] * 20
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="doomed"))
    for _ in range(bot.runtime.settings.outbox.max_attempts + 2):
        await bot.deliver()
        bot.clock.advance(timedelta(hours=1))
    (row,) = await rows(bot)
    assert row.status == "failed"
    assert row.attempts == bot.runtime.settings.outbox.max_attempts
    assert "HTTP 500" in (row.last_error or "")


async def test_a_bad_request_is_not_retried(bot: Harness) -> None:
    bot.adapters["telegram"].fail_with = [PermanentError("Bad Request: chat not found")]
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="x"))
    await bot.deliver()
    (row,) = await rows(bot)
    assert row.status == "failed" and row.attempts == 1 and "chat not found" in (row.last_error or "")


async def test_a_customer_who_blocked_the_bot_is_marked_unreachable(bot: Harness) -> None:
    await bot.say("halo", user="c1")
    bot.adapters["telegram"].fail_with = [RecipientUnreachable("Forbidden: bot was blocked by the user")]
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="x"), key="later")
    await bot.deliver()
    async with bot.runtime.store.transaction() as tx:
        person = await tx.people.get("telegram", "c1")
    assert person is not None and person.unreachable


async def test_a_new_threads_id_goes_back_to_the_core(bot: Harness) -> None:
    await enqueue(bot, OpenThread(address=Address("telegram", "-100staff"), title="Ticket #1", ref="ticket:1"))
    await bot.deliver()
    (row,) = await rows(bot)
    assert row.status == "sent" and row.result is not None and not row.unreported
    async with bot.runtime.store.transaction() as tx:
        assert not await tx.dedupe.first_time(f"outbox:{row.key}:opened", bot.clock.now())


async def test_results_lost_in_a_crash_are_replayed_once(bot: Harness) -> None:
    await enqueue(bot, OpenThread(address=Address("telegram", "-100staff"), title="T", ref="ticket:2"))
    seen: list[object] = []

    async def crashing_feedback(event: object) -> list[object]:
        seen.append(event)
        raise RuntimeError("process died before the core heard the result")

    bot.sender.feedback = crashing_feedback  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        await bot.deliver()
    (row,) = await rows(bot)
    assert row.status == "sent" and row.unreported
    bot.sender.feedback = bot.core.handle
    assert await bot.sender.recover() == 1
    assert await bot.sender.recover() == 0
    assert len(bot.adapters["telegram"].executed) == 1  # the thread was not opened twice


async def test_a_reply_only_ever_told_to_slow_down_is_not_dropped(bot: Harness) -> None:
    told = bot.runtime.settings.outbox.max_attempts * 2
    bot.adapters["telegram"].fail_with = [RetryAfter(30)] * told
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="sabar ya Kak"))
    for _ in range(told + 1):
        await bot.deliver()
        bot.clock.advance(seconds=40)
    (row,) = await rows(bot)
    assert (row.status, row.attempts) == ("sent", 1)


async def test_a_reply_rate_limited_for_longer_than_the_bound_fails_as_rate_limited(bot: Harness) -> None:
    bot.adapters["telegram"].fail_with = [RetryAfter(3600, "Too Many Requests")] * 100
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="x"))
    hours = bot.runtime.settings.outbox.max_rate_limited_hours
    for _ in range(int(hours) + 2):
        await bot.deliver()
        bot.clock.advance(hours=1, seconds=400)
    (row,) = await rows(bot)
    assert (row.status, row.failure_reason) == ("failed", "rate_limited")
    assert (row.last_error or "").startswith("rate limited too long") and row.attempts == 1


async def test_a_failure_after_a_429_still_counts_only_real_attempts(bot: Harness) -> None:
    bot.adapters["telegram"].fail_with = [RetryAfter(1), TransientError("HTTP 502"), RetryAfter(1)]
    await enqueue(bot, Send(address=Address("telegram", "c1"), text="x"))
    for _ in range(4):
        await bot.deliver()
        bot.clock.advance(minutes=5)
    (row,) = await rows(bot)
    assert (row.status, row.attempts) == ("sent", 2)  # the 502 and the success; the 429s are the pace
