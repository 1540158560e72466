"""After the conversation: the rating, and a customer's right to be forgotten."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.roles import Role
from bot.storage.models import ConversationState, OutboxItem, PersonRecord
from tests.handoff.conftest import (
    REFUND_ANSWER,
    SOP_DIR,
    TELEGRAM_FORUM,
    Desk,
    desk_settings,
    open_desk,
    text_to,
)

CUSTOMER = "6281234567890"


async def _served_and_closed(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("bagaimana cara mengajukan refund?")
    await desk.customer("mau bicara dengan CS, email saya budi@example.com")
    thread = await desk.thread_of()
    await desk.customer("NIK saya 3171234567890123, HP 0812-3456-7890")
    await desk.agent("Baik Kak, sudah saya catat", thread=thread)
    await desk.agent_command("close", "data", "dicatat", thread=thread)


async def test_the_customer_rates_with_a_button_and_adds_a_comment(desk: Desk) -> None:
    await _served_and_closed(desk)
    rated = await desk.customer_press("csat:1:5")
    assert rated.text.startswith("Terima kasih atas penilaiannya, Kak!")
    assert rated.button_data == ["csat:1:skip"]
    commented = await desk.customer("cepat dan ramah, mantap")
    assert commented.text == "Terima kasih atas masukannya, Kak! Akan kami sampaikan ke tim."
    ticket = await desk.ticket()
    assert (ticket.csat_score, ticket.csat_comment) == (5, "cepat dan ramah, mantap")
    # Afterwards the bot answers again as usual.
    assert REFUND_ANSWER in (await desk.customer("bagaimana cara mengajukan refund?")).text


async def test_a_low_typed_rating_is_taken_and_the_comment_can_be_skipped(desk: Desk) -> None:
    await _served_and_closed(desk)
    rated = await desk.customer("2")
    assert "mohon maaf kami belum bisa memuaskan" in rated.text
    skipped = await desk.customer_press("csat:1:skip")
    assert skipped.text == "Baik, terima kasih, Kak!"
    again = await desk.customer_press("csat:1:5")
    assert again.text == "Terima kasih, Kak, penilaian Kakak (2) sudah kami catat."
    ticket = await desk.ticket()
    assert (ticket.csat_score, ticket.csat_comment) == (2, None)


async def test_someone_else_cannot_rate_a_ticket(desk: Desk) -> None:
    await _served_and_closed(desk)
    reply = await desk.customer_press("csat:1:1", platform="telegram", user="42")
    assert "tombol itu sudah tidak berlaku" in reply.text
    assert (await desk.ticket()).csat_score is None


async def test_the_rating_question_can_be_switched_off(desk_db: str) -> None:
    desk = await open_desk(desk_settings(desk_db, csat=False))
    try:
        await desk.agent_online()
        await desk.customer("mau bicara dengan CS")
        closed = await desk.agent_command("close", "selesai", thread=await desk.thread_of())
        assert [send.buttons for send in closed.sends if send.address.platform == "whatsapp"] == [
            ()
        ]
    finally:
        await desk.bot.close()


async def test_stored_transcripts_mask_personal_data(desk: Desk) -> None:
    await _served_and_closed(desk)
    stored = "\n".join(line.text for line in await desk.transcript(1))
    assert "[email]" in stored and "[nik]" in stored and "[phone]" in stored
    assert (
        "budi@example.com" not in stored
        and "3171234567890123" not in stored
        and "0812" not in stored
    )


async def test_forgetme_erases_the_person_but_keeps_anonymous_counts(
    pg_or_sqlite_desk: Desk,
) -> None:
    desk = pg_or_sqlite_desk
    await _served_and_closed(desk)
    await desk.customer_press("csat:1:4")
    await desk.customer("agennya ramah")
    # A second contact: an open ticket when they ask to be forgotten.
    desk.clock.advance(timedelta(days=2))
    await desk.customer("mau bicara dengan CS lagi")
    thread = await desk.thread_of(2)

    asked = await desk.customer_command("forgetme")
    assert "menghapus data pribadi dan riwayat percakapan" in asked.text
    assert asked.button_data == ["privacy:forget:yes", "privacy:forget:no"]
    cancelled = await desk.customer_press("privacy:forget:no")
    assert cancelled.text == "Baik, tidak ada data yang dihapus."
    assert any(await desk.transcript())

    done = await desk.customer_press("privacy:forget:yes")
    assert (
        text_to(done, "whatsapp", CUSTOMER)
        == "Data pribadi dan riwayat percakapan Kakak sudah kami hapus. Terima kasih."
    )
    assert (
        text_to(done, "telegram", TELEGRAM_FORUM, thread)
        == "✅ Tiket #2 ditutup: pelanggan meminta datanya dihapus."
    )

    lines = await desk.transcript()
    assert lines and all(line.text == "" and line.person_key == "erased" for line in lines)
    tickets = await desk.tickets()
    assert [(t.status, t.customer_key, t.customer_name, t.csat_comment) for t in tickets] == [
        ("resolved", "erased", None, None),
        ("resolved", "erased", None, None),
    ]
    assert tickets[0].csat_score == 4  # anonymous facts stay for the reports
    assert all(e.detail is None for e in await desk.ticket_events(1))
    async with desk.bot.runtime.store.transaction() as tx:
        # The person's row went: its user id is their phone number.
        assert (
            await tx.session.execute(select(PersonRecord).where(PersonRecord.user_id == CUSTOMER))
        ).scalar_one_or_none() is None
        assert (await tx.session.execute(select(ConversationState))).scalars().all() == []
        texts = [
            row.payload.get("text", "")
            for row in (await tx.session.execute(select(OutboxItem))).scalars()
            if row.status == "sent"
        ]
    assert not any("Budi" in text or "budi" in text for text in texts)

    await desk.grant("telegram", "501", Role.SUPERVISOR)
    desk.clock.advance(minutes=1)
    kpi = (await desk.agent_command("kpi")).text.splitlines()
    assert kpi[2].split() == ["Tiket", "dibuka", "2"] and kpi[3].split() == [
        "Tiket",
        "ditutup",
        "2",
    ]
    assert "rata-rata 4.00" in next(line for line in kpi if line.startswith("CSAT"))


def test_staff_can_erase_a_person_from_the_command_line(
    desk_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = desk_settings(desk_db)

    async def serve_one() -> None:
        desk = await open_desk(settings)
        try:
            await _served_and_closed(desk)
        finally:
            await desk.bot.close()

    asyncio.run(serve_one())
    monkeypatch.setenv("BOT_DATABASE_URL", desk_db)
    monkeypatch.setenv("BOT_SUPPORT__SOP_DIR", str(SOP_DIR))
    result = CliRunner().invoke(app, ["privacy", "forget", f"whatsapp:{CUSTOMER}"])
    assert result.exit_code == 0, result.output
    assert (
        result.output.startswith("erased whatsapp:6281234567890:")
        and "1 ticket(s)" in result.output
    )

    async def check() -> None:
        desk = await open_desk(settings)
        try:
            assert all(line.text == "" for line in await desk.transcript())
            assert (await desk.ticket()).customer_name is None
        finally:
            await desk.bot.close()

    asyncio.run(check())
    bad = CliRunner().invoke(app, ["privacy", "forget", "nobody"])
    assert bad.exit_code == 2 and "expected platform:user_id" in bad.output
    no_retention = CliRunner().invoke(app, ["privacy", "purge"])
    assert no_retention.exit_code == 2 and "no retention period" in no_retention.output
    purged = CliRunner().invoke(app, ["privacy", "purge", "--days", "1"])
    assert purged.exit_code == 0 and purged.output.startswith("purged ")


async def test_transcripts_older_than_the_retention_period_are_purged(desk_db: str) -> None:
    settings = desk_settings(desk_db, sections={"privacy": {"transcript_retention_days": 30}})
    desk = await open_desk(settings)
    try:
        await _served_and_closed(desk)
        desk.clock.advance(timedelta(days=29))
        await desk.customer("bagaimana cara mengajukan refund?")
        await desk.bot.core.housekeeping()
        assert len(await desk.transcript()) > 2
        desk.clock.advance(timedelta(days=2))
        await desk.bot.core.housekeeping()
        lines = [(line.author, line.text.strip()) for line in await desk.transcript()]
        assert lines == [("customer", "bagaimana cara mengajukan refund?"), ("bot", REFUND_ANSWER)]
        ticket = await desk.ticket()
        assert (ticket.status, ticket.close_reason, ticket.customer_name) == (
            "resolved",
            None,
            None,
        )
    finally:
        await desk.bot.close()


async def test_a_question_after_the_rating_is_answered_not_taken_as_a_comment(desk: Desk) -> None:
    await _served_and_closed(desk)
    await desk.customer_press("csat:1:4")
    reply = await desk.customer("bagaimana cara mengajukan refund?")
    assert REFUND_ANSWER in reply.text
    assert (await desk.ticket()).csat_comment is None
