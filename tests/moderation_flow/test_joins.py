"""Newcomers' links are caught whichever process saw the join: join times live in the database."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.actions import Delete
from bot.events import Address, ChatKind, MemberJoined, Message, Person
from tests.moderation_flow.conftest import GROUP, Group, of, open_group

SPAM = "promo murah cek https://promo-murah.example/daftar"


async def _newcomer_cases(group: Group) -> list[str]:
    return [case.user_key for case in await group.cases() if case.rule == "newcomer_links"]


async def test_a_newcomer_link_is_caught_after_a_restart(group_db: str) -> None:
    first = await open_group(group_db)
    await first.join("77")
    joined = first.clock.now()
    await first.bot.close()

    second = await open_group(group_db)  # a new process: same database, nothing in memory
    second._ids = itertools.count(5000)
    second.clock.set(joined + timedelta(minutes=5))
    try:
        (delete,) = of(await second.say(SPAM, user="77", name="Baru"), Delete)
        assert delete.address.chat_id == GROUP
        assert await _newcomer_cases(second) == ["telegram:77"]
        # Someone who did not just join may post the same link (the links rule is off by default).
        assert (await second.say(SPAM, user="42")).actions == []
    finally:
        await second.bot.close()


async def test_after_the_window_the_link_is_allowed_and_the_join_is_forgotten(group: Group) -> None:
    await group.join("77")
    group.clock.advance(timedelta(minutes=30))
    await group.join("78")
    assert await group.joins() == [(GROUP, "77"), (GROUP, "78")]

    await group.advance(minutes=31)  # 77 joined 61 minutes ago: pruned; 78 is still new
    assert await group.joins() == [(GROUP, "78")]
    assert (await group.say(SPAM, user="77")).actions == []
    assert of(await group.say(SPAM, user="78"), Delete)

    await group.advance(minutes=30)  # the prune timer came back for 78
    assert await group.joins() == []


async def test_a_join_seen_by_one_worker_counts_on_another(group_db: str) -> None:
    here, there = await open_group(group_db), await open_group(group_db)
    there._ids = itertools.count(5000)  # update ids of the two workers must not collide
    try:
        assert (await there.say("halo", user="42")).actions == []  # `there` has looked already
        here.clock.advance(timedelta(seconds=5))
        await here.join("77")
        there.clock.advance(timedelta(seconds=6))
        assert of(await there.say(SPAM, user="77"), Delete)
        assert await _newcomer_cases(there) == ["telegram:77"]
    finally:
        await here.bot.close()
        await there.bot.close()


async def test_a_rejoin_through_another_worker_is_seen_a_second_later(group_db: str) -> None:
    here, there = await open_group(group_db), await open_group(group_db)
    there._ids = itertools.count(5000)
    try:
        # `there` meets 77, a member of old (no join stored), and remembers that.
        assert (await there.say("halo semua", user="77")).actions == []
        here.clock.advance(timedelta(seconds=10))
        await here.join("77")  # 77 left and came back, through the other worker
        there.clock.advance(timedelta(seconds=11))
        assert of(await there.say(SPAM, user="77"), Delete)
    finally:
        await here.bot.close()
        await there.bot.close()


async def test_a_join_and_a_link_in_one_batch_are_judged_in_order(group: Group) -> None:
    member = Person("telegram", "77", name="Baru")
    common: dict[str, Any] = {
        "address": Address("telegram", GROUP),
        "at": group.clock.now(),
        "sender": member,
        "chat_kind": ChatKind.GROUP,
    }
    batch = [
        MemberJoined(update_id="telegram:batch:1", member=member, **common),
        Message(update_id="telegram:batch:2", message_id="900", text=SPAM, **common),
    ]
    await group.bot.core.handle_batch(batch)
    assert await _newcomer_cases(group) == ["telegram:77"]


async def test_join_times_cost_no_query_per_message(group: Group) -> None:
    await group.join("77")
    await group.say("halo", user="42")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = group.bot.runtime.store.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for n in range(5):
            await group.say(f"pesan biasa {n}", user="42")
            await group.say(f"pesan baru {n}", user="77")
        assert [s for s in statements if "moderation_member_joins" in s] == []
        group.clock.advance(timedelta(seconds=2))  # time to look for other workers' joins: once
        for n in range(5):
            await group.say(f"pesan lagi {n}", user=str(300 + n))
        assert len([s for s in statements if "moderation_member_joins" in s]) == 1
    finally:
        event.remove(engine, "before_cursor_execute", seen)
