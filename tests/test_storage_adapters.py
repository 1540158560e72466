"""What the adapters store, on SQLite and PostgreSQL: delivery statuses, WhatsApp windows, outbox states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.actions import Send
from bot.events import Address
from bot.storage import Store

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_a_late_delivered_never_hides_read_and_failed_is_final(store: Store) -> None:
    for status in ("sent", "read", "delivered"):
        async with store.transaction() as tx:
            await tx.deliveries.record("whatsapp", "wamid.1", "62812", status, NOW)
    async with store.transaction() as tx:
        assert (await tx.deliveries.get("whatsapp", "wamid.1")).status == "read"  # type: ignore[union-attr]
        assert await tx.deliveries.record("whatsapp", "wamid.1", "62812", "failed", NOW, "131047: window")
        assert not await tx.deliveries.record("whatsapp", "wamid.1", "62812", "read", NOW)
    async with store.transaction() as tx:
        record = await tx.deliveries.get("whatsapp", "wamid.1")
    assert record is not None and (record.status, record.error) == ("failed", "131047: window")


async def test_the_window_runs_from_the_latest_message_whatever_the_order(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.whatsapp.saw_message("62812", NOW)
        await tx.whatsapp.saw_message("62812", NOW - timedelta(hours=3))  # a late webhook of an older message
        await tx.whatsapp.set_choices("62812", ["a", "b"], NOW)
    async with store.transaction() as tx:
        assert await tx.whatsapp.last_message_at("62812") == NOW
        assert await tx.whatsapp.choices("62812") == (["a", "b"], NOW)
        assert await tx.whatsapp.last_message_at("62899") is None


async def test_deferred_rows_keep_their_attempts_and_failed_rows_can_be_queued_again(store: Store) -> None:
    chat = Address("whatsapp", "62812")
    async with store.transaction() as tx:
        await tx.outbox.add([Send(address=chat, text="a"), Send(address=chat, text="b")], "u1", NOW)
        first, second = await tx.outbox.claim(["whatsapp"], NOW, limit=10, lease=timedelta(seconds=60))
        await tx.outbox.mark_sent(first.id, NOW, "wamid.9")
        await tx.outbox.defer(second.id, NOW + timedelta(seconds=30))
    async with store.transaction() as tx:
        assert await tx.outbox.claim(["whatsapp"], NOW, limit=10, lease=timedelta(seconds=60)) == []
        (again,) = await tx.outbox.claim(["whatsapp"], NOW + timedelta(seconds=31), limit=10,
                                          lease=timedelta(seconds=60))
        assert again.attempts == 1  # waiting for a rate-limit slot was not an attempt
        found = await tx.outbox.find_sent("whatsapp", "wamid.9")
        assert found is not None and found.id == first.id
        assert await tx.outbox.fail_after_sent(first.id, "131026: undeliverable", "unreachable")
        assert await tx.outbox.requeue(first.id, NOW)
        assert await tx.outbox.counts() == {"pending": 1, "sending": 1}
