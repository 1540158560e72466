"""Storage on SQLite and PostgreSQL: migrations, dedupe, outbox claiming, timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from bot.actions import Ban, Send
from bot.events import Address
from bot.storage import Database, Store
from bot.storage.migrate import current_revision, downgrade, head_revision, pending_model_changes, upgrade
from bot.storage.models import Base

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def table_names(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await database.dispose()


async def test_migrations_create_every_table_and_match_the_models(database_url: str) -> None:
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    assert set(Base.metadata.tables) <= await table_names(database_url)
    assert await pending_model_changes(database_url) == []


async def test_migrations_downgrade_to_empty_and_upgrade_again(database_url: str) -> None:
    await upgrade(database_url)
    await downgrade(database_url, "base")
    assert await table_names(database_url) <= {"alembic_version"}
    await upgrade(database_url)
    assert "outbox" in await table_names(database_url)


@pytest.fixture
async def store(database_url: str):  # type: ignore[no-untyped-def]
    await upgrade(database_url)
    database = Database(database_url)
    yield Store(database)
    await database.dispose()


async def test_dedupe_remembers_update_ids(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.dedupe.first_time("telegram:1", NOW)
        assert not await tx.dedupe.first_time("telegram:1", NOW)
    async with store.transaction() as tx:
        assert not await tx.dedupe.first_time("telegram:1", NOW)


async def test_rolled_back_work_leaves_no_outbox_rows(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.dedupe.first_time("telegram:2", NOW)
            await tx.outbox.add([Send(address=Address("telegram", "1"), text="hi")], "telegram:2", NOW)
            raise RuntimeError("crash before commit")
    async with store.transaction() as tx:
        assert await tx.outbox.counts() == {}
        assert await tx.dedupe.first_time("telegram:2", NOW)  # not marked processed either


async def test_the_same_action_key_is_stored_once(store: Store) -> None:
    action = Send(address=Address("telegram", "1"), text="hi")
    for _ in range(2):
        async with store.transaction() as tx:
            await tx.outbox.add([action], "telegram:3", NOW)
    async with store.transaction() as tx:
        assert await tx.outbox.counts() == {"pending": 1}


async def test_claims_keep_chat_order_and_lease_each_row_once(store: Store) -> None:
    chat_a, chat_b = Address("telegram", "A"), Address("telegram", "B")
    async with store.transaction() as tx:
        await tx.outbox.add([Send(address=chat_a, text="a1"), Send(address=chat_a, text="a2")], "u1", NOW)
        await tx.outbox.add([Send(address=chat_b, text="b1")], "u2", NOW)
        await tx.outbox.add([Ban(address=chat_b, user_id="9")], "u3", NOW)
    async with store.transaction() as tx:
        first = await tx.outbox.claim(["telegram"], NOW, limit=10, lease=timedelta(seconds=60))
    assert [entry.key for entry in first] == ["u1#0", "u1#1", "u2#0", "u3#0"]
    async with store.transaction() as tx:
        assert await tx.outbox.claim(["telegram"], NOW, limit=10, lease=timedelta(seconds=60)) == []
        # a1 must be retried later: a2 waits behind it, chat B is unaffected.
        await tx.outbox.retry_at(first[0].id, NOW + timedelta(seconds=30), "HTTP 500")
        await tx.outbox.release(first[1].id)
        await tx.outbox.mark_sent(first[2].id, NOW)
        await tx.outbox.mark_sent(first[3].id, NOW)
    async with store.transaction() as tx:
        assert await tx.outbox.claim(["telegram"], NOW + timedelta(seconds=1), limit=10,
                                     lease=timedelta(seconds=60)) == []
    async with store.transaction() as tx:
        later = await tx.outbox.claim(["telegram"], NOW + timedelta(seconds=31), limit=10,
                                      lease=timedelta(seconds=60))
    assert [entry.key for entry in later] == ["u1#0", "u1#1"]
    assert later[0].attempts == 2 and later[1].attempts == 1


async def test_an_expired_lease_is_claimed_again(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add([Send(address=Address("telegram", "A"), text="x")], "u1", NOW)
        await tx.outbox.claim(["telegram"], NOW, limit=10, lease=timedelta(seconds=60))
    async with store.transaction() as tx:
        again = await tx.outbox.claim(["telegram"], NOW + timedelta(seconds=61), limit=10,
                                      lease=timedelta(seconds=60))
    assert [entry.key for entry in again] == ["u1#0"]


async def test_timers_fire_once_and_can_be_moved(store: Store) -> None:
    chat = Address("telegram", "-100")
    async with store.transaction() as tx:
        await tx.timers.schedule("moderation.unmute", "-100:42", NOW + timedelta(hours=1), chat, {"user": "42"})
        await tx.timers.schedule("moderation.unmute", "-100:42", NOW + timedelta(hours=2), chat, {"user": "42"})
    async with store.transaction() as tx:
        assert await tx.timers.due(NOW + timedelta(hours=1, minutes=30)) == []
        (timer,) = await tx.timers.due(NOW + timedelta(hours=2))
        assert timer.payload == {"user": "42"} and timer.address == chat
        assert await tx.timers.mark_fired(timer, NOW + timedelta(hours=2))
        assert not await tx.timers.mark_fired(timer, NOW + timedelta(hours=2))
    async with store.transaction() as tx:
        assert await tx.timers.due(NOW + timedelta(hours=3)) == []


async def test_datetimes_come_back_in_utc(store: Store) -> None:
    chat = Address("telegram", "-1")
    jakarta = datetime(2026, 3, 1, 19, 0, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    async with store.transaction() as tx:
        await tx.timers.schedule("k", "1", jakarta, chat)
    async with store.transaction() as tx:
        (timer,) = await tx.timers.due(jakarta)
    assert timer.due_at == datetime(2026, 3, 1, 19, 0, tzinfo=UTC)
