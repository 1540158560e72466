"""Moderation queries on PostgreSQL: ladder, batch, appeal, timer (skipped without it)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bot.actions import Ban, Delete, Restrict, Unban
from bot.events import Address, ChatKind, Message, Person
from bot.storage.migrate import upgrade
from tests.conftest import fresh_postgres_database
from tests.moderation_flow.conftest import GROUP, LOG, of, open_group


async def test_moderation_on_postgres(caplog: pytest.LogCaptureFixture) -> None:
    async with fresh_postgres_database() as url:
        await upgrade(url)
        group = await open_group(url)
        try:
            for _ in range(2):
                assert of(await group.say("anjing"), Delete)
            assert of(await group.say("anjing"), Restrict)
            member = Person("telegram", "9", name="Nine", username="nine")
            events = [
                Message(
                    update_id=f"telegram:pgbatch:{n}",
                    address=Address("telegram", GROUP),
                    at=group.clock.now(),
                    sender=member,
                    chat_kind=ChatKind.GROUP,
                    message_id=str(900 + n),
                    text="bangsat",
                )
                for n in range(2)
            ]
            await group.bot.core.handle_batch(events)
            assert (
                "batch failed" not in caplog.text
            )  # the one-query prefetch works on PostgreSQL too
            assert [c.number for c in await group.cases()] == [1, 2, 3, 4, 5, 6]
            await group.admin("logchat", LOG)
            assert of(await group.admin("ban", "42", "1d"), Ban)
            await group.private_command("appeal", "7", user="42")
            assert of(await group.admin("appealok", "1"), Unban)
            assert (
                of(await group.advance(days=2), Unban) == []
            )  # the accepted appeal cancelled the timer
            group.clock.advance(timedelta(days=1))
        finally:
            await group.bot.close()


async def test_two_workers_on_postgres_share_join_times() -> None:
    async with fresh_postgres_database() as url:
        await upgrade(url)
        here, there = await open_group(url), await open_group(url)
        there._ids = itertools.count(5000)  # update ids of the two workers must not collide
        try:
            await here.join("77")
            there.clock.advance(timedelta(minutes=3))
            spam = "daftar di https://promo-murah.example sekarang"
            (delete,) = of(await there.say(spam, user="77"), Delete)
            assert delete.address.chat_id == GROUP
            assert [c.rule for c in await there.cases()] == ["newcomer_links"]
            assert (await there.say(spam, user="42")).actions == []  # not a newcomer
            await here.advance(minutes=61)  # the prune timer fires (on either worker)
            assert await here.joins() == []
            there.clock.advance(timedelta(minutes=61))
            assert (await there.say(spam, user="77")).actions == []  # no longer new
        finally:
            await here.bot.close()
            await there.bot.close()
