"""The core driven by events, with a real SQLite database and the sample SOP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.events import Address, ChatKind, Message, Person
from bot.handlers.context import Context, Outcome
from bot.roles import Role
from bot.sop.loader import load_sop
from bot.storage.models import OutboxItem, TranscriptLine
from tests.conftest import make_settings
from tests.support.harness import Harness


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Harness]:
    harness = await Harness.open(settings)
    yield harness
    await harness.close()


def sample_answer(entry_id: str, language: str) -> str:
    entries = {entry.id: entry for entry in load_sop(Settings().support.sop_dir).entries}
    return entries[entry_id].answers[language]


async def test_a_greeting_gets_a_polite_reply(bot: Harness) -> None:
    reply = await bot.say("halo")
    assert "Ada yang bisa saya bantu" in reply.text


async def test_a_message_naming_no_topic_is_asked_what_is_needed_not_counted_as_a_miss(
    bot: Harness,
) -> None:
    reply = await bot.say("gimana ini kak?")
    assert "lebih detail" in reply.text
    second = await bot.say("gimana ya kak")
    assert "lebih detail" in second.text and "sambungkan" not in second.text


async def test_indonesian_question_is_answered_from_the_sop_in_indonesian(bot: Harness) -> None:
    reply = await bot.say("bagaimana cara mengajukan refund?")
    assert reply.text == sample_answer("refund-how", "id")


async def test_english_question_is_answered_in_english(bot: Harness) -> None:
    reply = await bot.say("How do I request a refund?")
    assert reply.text == sample_answer("refund-how", "en")


async def test_the_same_update_twice_is_answered_once(bot: Harness) -> None:
    event = Message(
        update_id="telegram:777",
        address=Address("telegram", "cust1"),
        at=bot.clock.now(),
        sender=Person("telegram", "cust1", name="Budi"),
        chat_kind=ChatKind.PRIVATE,
        message_id="1",
        text="halo",
    )
    first = await bot.send_event(event)
    second = await bot.send_event(event)
    assert len(first.sends) == 1
    assert second.sends == []
    async with bot.runtime.store.transaction() as tx:
        rows = (await tx.session.execute(select(OutboxItem))).scalars().all()
    assert [row.status for row in rows] == ["sent"]


async def test_reply_is_stored_in_the_outbox_before_delivery(bot: Harness) -> None:
    await bot.core.handle(
        Message(update_id="telegram:5", address=Address("telegram", "c9"), at=bot.clock.now(),
                sender=Person("telegram", "c9"), message_id="5", text="halo")
    )
    async with bot.runtime.store.transaction() as tx:
        row = (await tx.session.execute(select(OutboxItem))).scalar_one()
        processed = await tx.dedupe.seen("telegram:5")
    assert row.status == "pending" and row.kind == "Send" and row.chat_id == "c9"
    assert processed
    delivered = await bot.deliver()
    assert [action.address.chat_id for action in delivered] == ["c9"]


async def test_unknown_question_twice_points_to_the_team_without_promising_a_connection(bot: Harness) -> None:
    # no staff chat here: the way to a person is the SOP's CS hours and contacts
    first = await bot.say("berapa harga tiket pesawat ke bali bulan depan?")
    assert "belum ada di panduan" in first.text
    assert first.buttons == ["Kontak CS"]
    second = await bot.say("apakah tokonusa melayani pemesanan tiket pesawat?")
    assert "Tim CS kami bisa membantu langsung" in second.text and "sambungkan" not in second.text
    assert second.button_data == ["sop:cs-hours"]
    contacts = await bot.press("sop:cs-hours")
    assert contacts.text == sample_answer("cs-hours", "id")


async def test_unknown_question_twice_offers_a_human_when_a_staff_chat_is_configured(
    sqlite_database_url: str,
) -> None:
    harness = await Harness.open(make_settings(sqlite_database_url, handoff={"staff_chat": "telegram:-100777"}))
    try:
        first = await harness.say("berapa harga tiket pesawat ke bali bulan depan?")
        assert "Bicara dengan CS" in first.buttons
        second = await harness.say("apakah tokonusa melayani pemesanan tiket pesawat?")
        assert "saya sambungkan Kakak ke tim CS (tiket #1)" in second.sends[0].text
    finally:
        await harness.close()


async def test_transcript_keeps_both_sides_with_personal_data_masked(bot: Harness) -> None:
    await bot.say("halo, email saya budi@example.com")
    async with bot.runtime.store.transaction() as tx:
        lines = (await tx.session.execute(select(TranscriptLine).order_by(TranscriptLine.id))).scalars().all()
    assert [line.direction for line in lines] == ["in", "out"]
    assert "budi@example.com" not in lines[0].text and "[email]" in lines[0].text


async def test_a_failing_handler_apologises_instead_of_crashing(settings: Settings) -> None:
    async def broken(event: object, ctx: Context) -> Outcome:
        raise RuntimeError("boom")

    harness = await Harness.open(settings)
    try:
        harness.core.pipeline = (broken,)
        reply = await harness.say("halo")
        assert reply.text == "Maaf, sedang ada kendala di sistem kami. Silakan coba lagi sebentar lagi."
        again = await harness.say("halo")
        assert "Traceback" not in again.text
    finally:
        await harness.close()


async def test_unknown_command_is_explained(bot: Harness) -> None:
    reply = await bot.command("frobnicate")
    assert "/frobnicate tidak saya kenal" in reply.text and "/help" in reply.text


async def test_staff_command_is_refused_to_a_customer_and_allowed_to_a_supervisor(bot: Harness) -> None:
    refused = await bot.command("reload", user="cust1")
    assert "hanya untuk staf dengan peran supervisor" in refused.text
    async with bot.runtime.store.transaction() as tx:
        await tx.roles.grant("telegram", "sup1", Role.SUPERVISOR, bot.clock.now())
    allowed = await bot.command("reload", user="sup1")
    assert allowed.text.startswith("SOP dimuat ulang:")


async def test_help_lists_only_what_the_asker_may_run(bot: Harness) -> None:
    reply = await bot.command("help")
    assert "/language" in reply.text and "/reload" not in reply.text


async def test_language_choice_is_remembered(bot: Harness) -> None:
    reply = await bot.command("language", "en")
    assert reply.text == "Okay, I will reply in English."
    help_reply = await bot.command("help")
    assert help_reply.text.startswith("Commands you can use:")


async def test_an_expired_button_is_explained_not_ignored(bot: Harness) -> None:
    reply = await bot.press("something:old")
    assert "tombol itu sudah tidak berlaku" in reply.text


async def test_group_messages_are_not_answered_from_the_sop(bot: Harness) -> None:
    reply = await bot.say("bagaimana cara refund?", chat="-100123", kind=ChatKind.GROUP)
    assert reply.sends == []
