"""The chat's message-id marks a lost Telegram send is looked for above, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions import Send
from bot.events import Address
from bot.storage import Store
from bot.storage.outbox import AttemptLog

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHAT = Address("telegram", "5012345678")


async def started_mark(store: Store, key: str) -> int | None:
    async with store.transaction() as tx:
        lost = await tx.message_ids.lost_attempt(key)
    assert lost is not None
    return lost.probe_after


async def test_an_attempt_notes_the_highest_id_known_in_its_chat_from_both_sides(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add([Send(address=CHAT, text="satu"), Send(address=CHAT, text="dua")], "u1", NOW)
        await tx.message_ids.saw("telegram", "999", [900], NOW)  # another chat's numbers do not count
        await tx.message_ids.saw(CHAT.platform, CHAT.chat_id, [41], NOW)  # the customer's question
        first, second = await tx.outbox.claim(["telegram"], NOW, limit=2, lease=timedelta(seconds=20))
    attempts = AttemptLog(store.database)
    await attempts.started(first.id, NOW)
    assert await started_mark(store, "u1#0") == 41
    await attempts.sent(first.id, NOW, "42", unreported=False, ours=("telegram", CHAT.chat_id, (42, 43)))
    await attempts.started(second.id, NOW)
    assert await started_mark(store, "u1#1") == 43  # above both parts of the first reply
    async with store.transaction() as tx:
        assert await tx.message_ids.above("telegram", CHAT.chat_id, 41) == {42: first.id, 43: first.id}


async def test_a_chat_where_nothing_is_known_gives_no_mark(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.outbox.add([Send(address=CHAT, text="satu")], "u1", NOW)
        (entry,) = await tx.outbox.claim(["telegram"], NOW, limit=1, lease=timedelta(seconds=20))
    await AttemptLog(store.database).started(entry.id, NOW)
    assert await started_mark(store, "u1#0") is None


async def test_housekeeping_forgets_old_ids_but_keeps_each_chats_highest(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.message_ids.saw(CHAT.platform, CHAT.chat_id, [10, 11, 12], NOW - timedelta(days=30))
        await tx.message_ids.saw("telegram", "777", [5], NOW - timedelta(days=30))
        await tx.message_ids.saw(CHAT.platform, CHAT.chat_id, [13], NOW)
    async with store.transaction() as tx:
        assert await tx.message_ids.forget_before(NOW - timedelta(days=7)) == 3
    async with store.transaction() as tx:
        assert list(await tx.message_ids.above(CHAT.platform, CHAT.chat_id, 0)) == [13]
        assert list(await tx.message_ids.above("telegram", "777", 0)) == [5]  # an idle chat keeps its mark
