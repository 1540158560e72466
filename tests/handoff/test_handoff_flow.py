"""A customer handed to a person and back, across platforms, in both workspace styles."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import CloseThread, Send
from bot.handlers.handoff import REQUEST_BUTTON
from tests.handoff.conftest import (
    DISCORD_CHANNEL,
    REFUND_ANSWER,
    TELEGRAM_FORUM,
    Desk,
    desk_settings,
    open_desk,
    opened_threads,
    sent_to,
    text_to,
)

CUSTOMER = "6281234567890"
REFUND_QUESTION = "bagaimana cara mengajukan refund?"


async def test_whatsapp_customer_served_from_a_telegram_topic_and_handed_back(
    pg_or_sqlite_desk: Desk,
) -> None:
    desk = pg_or_sqlite_desk
    await desk.agent_online()

    answered = await desk.customer(REFUND_QUESTION)
    assert REFUND_ANSWER in answered.text

    # The customer asks for a person: they hear their ticket and place, the team gets a topic with the card.
    asked = await desk.customer("mau bicara dengan CS")
    to_customer = text_to(asked, "whatsapp", CUSTOMER)
    assert "tiket #1" in to_customer and "antrean ke-1" in to_customer and "5 menit" in to_customer
    [topic] = opened_threads(asked)
    assert topic.address.chat_id == TELEGRAM_FORUM and topic.title == "#1 Budi Santoso · WhatsApp"
    thread = await desk.thread_of()
    card = text_to(asked, "telegram", TELEGRAM_FORUM, thread)
    assert "Pelanggan: Budi Santoso · WhatsApp · bahasa Indonesia" in card
    assert "pelanggan minta bicara dengan CS" in card
    assert f"“{REFUND_QUESTION}” → dijawab dengan SOP refund-how" in card
    assert "Belum ada tiket sebelumnya." in card

    # The customer's words reach the topic (personal data masked); the bot says nothing to them.
    detail = await desk.customer("paket saya belum sampai, email saya budi@example.com")
    assert (
        text_to(detail, "telegram", TELEGRAM_FORUM, thread)
        == "👤 Budi Santoso: paket saya belum sampai, email saya [email]"
    )
    assert sent_to(detail, "whatsapp", CUSTOMER) == []

    # The agent answers in the topic; the WhatsApp customer gets it, signed.
    answer = await desk.agent("Halo Kak Budi, saya cek dulu ya", thread=thread)
    assert text_to(answer, "whatsapp", CUSTOMER) == "Rina (CS): Halo Kak Budi, saya cek dulu ya"

    # While a person owns the conversation, even an SOP question goes to the person, not the bot.
    silent = await desk.customer(REFUND_QUESTION)
    assert sent_to(silent, "whatsapp", CUSTOMER) == []
    assert (
        text_to(silent, "telegram", TELEGRAM_FORUM, thread) == f"👤 Budi Santoso: {REFUND_QUESTION}"
    )

    # Closing hands back to the bot with a closing message and a rating question; the topic is closed.
    closed = await desk.agent_command("close", "paket", "dikirim", "ulang", thread=thread)
    closing = sent_to(closed, "whatsapp", CUSTOMER)
    assert "Percakapan dengan tim CS sudah selesai" in closing[0].text
    assert [b.label for b in closing[1].buttons] == ["1 😞", "2 🙁", "3 😐", "4 🙂", "5 🤩"]
    assert "ditutup oleh Rina Wati: paket dikirim ulang" in text_to(
        closed, "telegram", TELEGRAM_FORUM, thread
    )
    assert any(isinstance(action, CloseThread) for action in closed.actions)

    back = await desk.customer("bagaimana cara mengajukan refund?")
    assert REFUND_ANSWER in back.text

    ticket = await desk.ticket()
    assert ticket.status == "resolved" and ticket.close_reason == "paket dikirim ulang"
    assert ticket.first_response_at is not None and ticket.assignee_key == "telegram:501"
    steps = [
        (e.action, e.from_status, e.to_status, e.actor_key) for e in await desk.ticket_events()
    ]
    assert steps == [
        ("opened", None, "queued", "whatsapp:6281234567890"),
        ("agent_replied", "queued", "waiting", "telegram:501"),
        ("customer_wrote", "waiting", "assigned", "whatsapp:6281234567890"),
        ("closed", "assigned", "resolved", "telegram:501"),
    ]
    # The ticket's transcript has the bot's part, the customer and the agent, in order and masked.
    lines = [(line.author, line.text) for line in await desk.transcript(1)]
    assert lines[0] == ("customer", REFUND_QUESTION)
    assert lines[1][0] == "bot" and lines[2] == ("customer", "mau bicara dengan CS")
    assert ("customer", "paket saya belum sampai, email saya [email]") in lines
    assert ("agent", "Halo Kak Budi, saya cek dulu ya") in lines
    assert all(
        line.ticket_id is None for line in (await desk.transcript())[-2:]
    )  # the bot's own again


async def test_telegram_customer_served_from_a_discord_channel_without_topics(desk_db: str) -> None:
    desk = await open_desk(
        desk_settings(desk_db, staff_chat=f"discord:{DISCORD_CHANNEL}", topics=False)
    )
    try:
        await desk.agent_online(user="9001", name="Sari Dewi")
        missed = await desk.customer(
            "apakah kalian jual saham perusahaan?", platform="telegram", user="42"
        )
        assert REQUEST_BUTTON in missed.button_data

        pressed = await desk.customer_press(REQUEST_BUTTON, platform="telegram", user="42")
        assert "tiket #1" in text_to(pressed, "telegram", "42")
        assert opened_threads(pressed) == []
        [card] = sent_to(pressed, "discord", DISCORD_CHANNEL)
        assert card.text.startswith("🎫 Tiket #1") and "Telegram" in card.text
        assert "“apakah kalian jual saham perusahaan?” → tidak ada di SOP" in card.text
        assert "Balas (reply) pesan ini" in card.text
        card_id = (await desk.ticket()).card_message_id
        assert card_id is not None

        # The customer's next message is posted as a reply to the card, numbered.
        more = await desk.customer("saya mau beli saham 100 lembar", platform="telegram", user="42")
        [relayed] = sent_to(more, "discord", DISCORD_CHANNEL)
        assert relayed.text == "#1 · 👤 Budi Santoso: saya mau beli saham 100 lembar"
        assert relayed.reply_to == card_id

        # An agent's reply to the card, or to any relayed message, reaches the Telegram customer.
        first = await desk.agent(
            "Maaf Kak, kami tidak menjual saham.", reply_to=card_id, user="9001", name="Sari Dewi"
        )
        assert text_to(first, "telegram", "42") == "Sari (CS): Maaf Kak, kami tidak menjual saham."
        relayed_id = next(
            m.message_id for m in await _staff_messages(desk) if m.message_id != card_id
        )
        second = await desk.agent(
            "Ada lagi yang bisa dibantu?", reply_to=relayed_id, user="9001", name="Sari Dewi"
        )
        assert text_to(second, "telegram", "42") == "Sari (CS): Ada lagi yang bisa dibantu?"

        # Commands work as a reply to the card too.
        closed = await desk.agent_command(
            "close", "info", "diberikan", reply_to=card_id, user="9001", person_name="Sari Dewi"
        )
        assert "Percakapan dengan tim CS sudah selesai" in text_to(closed, "telegram", "42")
        assert not any(isinstance(action, CloseThread) for action in closed.actions)
        assert (await desk.ticket()).status == "resolved"
    finally:
        await desk.bot.close()


async def _staff_messages(desk: Desk) -> list:  # type: ignore[type-arg]
    from sqlalchemy import select

    from bot.storage.models import StaffMessage

    async with desk.bot.runtime.store.transaction() as tx:
        return list(
            (await tx.session.execute(select(StaffMessage).order_by(StaffMessage.at))).scalars()
        )


async def test_messages_written_before_the_topic_exists_are_posted_into_it(desk: Desk) -> None:
    await desk.agent_online()
    # Hold delivery back: handle events without delivering, as if the platform were slow.
    await desk.bot.core.handle(_message(desk, "mau bicara dengan CS"))
    await desk.bot.core.handle(_message(desk, "nomor pesanan saya TN-2291"))
    await desk.bot.core.handle(_message(desk, "barangnya pecah"))
    delivered = await desk.bot.deliver()
    thread = await desk.thread_of()
    in_topic = [a.text for a in delivered if isinstance(a, Send) and a.address.thread_id == thread]
    assert in_topic[0].startswith("🎫 Tiket #1")
    assert in_topic[1:] == [
        "👤 Budi Santoso: nomor pesanan saya TN-2291",
        "👤 Budi Santoso: barangnya pecah",
    ]


def _message(desk: Desk, text: str):  # type: ignore[no-untyped-def]
    from bot.events import Address, ChatKind, Message, Person

    update = desk._update("whatsapp")
    return Message(
        update_id=update,
        address=Address("whatsapp", CUSTOMER),
        at=desk.clock.now(),
        sender=Person("whatsapp", CUSTOMER, name="Budi Santoso"),
        chat_kind=ChatKind.PRIVATE,
        message_id=update,
        text=text,
    )


async def test_without_a_topic_in_time_the_card_goes_to_the_staff_chat(desk: Desk) -> None:
    """A staff chat that is not a forum (or a bot without rights) never reports a topic."""
    from bot.adapters.base import PermanentError

    await desk.agent_online()
    desk.bot.adapters["telegram"].fail_in_chat[TELEGRAM_FORUM] = [PermanentError("not a forum")]
    asked = await desk.customer("mau bicara dengan CS")
    assert "tiket #1" in text_to(asked, "whatsapp", CUSTOMER)
    assert sent_to(asked, "telegram", TELEGRAM_FORUM) == []

    desk.clock.advance(minutes=2)
    await desk.bot.core.sweep()
    fallback = await desk.bot.deliver()
    [card] = sent_to(fallback, "telegram", TELEGRAM_FORUM)
    assert card.address.thread_id is None and card.text.startswith("🎫 Tiket #1")
    assert "Balas (reply) pesan ini" in card.text
    card_id = (await desk.ticket()).card_message_id
    reply = await desk.agent("Halo Kak, saya bantu ya", reply_to=card_id)
    assert text_to(reply, "whatsapp", CUSTOMER) == "Rina (CS): Halo Kak, saya bantu ya"


async def test_a_customer_asking_again_joins_the_open_ticket(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    again = await desk.customer_command("human")
    assert again.text.startswith("Kakak sudah terhubung ke antrean tim CS (tiket #1)")
    assert len(await desk.tickets()) == 1
    thread = await desk.thread_of()
    await desk.agent_command("take", thread=thread)
    third = await desk.customer_command("human")
    assert (
        third.text
        == "Rina dari tim CS sedang membantu Kakak (tiket #1). Silakan lanjutkan di sini ya."
    )


async def test_a_need_for_a_person_soon_after_closing_reopens_the_same_ticket(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    thread = await desk.thread_of()
    await desk.agent("Sudah saya proses ya Kak", thread=thread)
    await desk.agent_command("close", "diproses", thread=thread)

    # A question the SOP answers still gets the bot's answer after closing...
    assert REFUND_ANSWER in (await desk.customer(REFUND_QUESTION)).text
    # ...but one it cannot answer, within the reopen window, goes straight back to the team.
    desk.clock.advance(hours=3)
    reopened = await desk.customer("apakah kalian jual saham perusahaan?")
    assert text_to(reopened, "whatsapp", CUSTOMER).startswith(
        "Tiket #1 kami buka kembali. Rina akan melanjutkan"
    )
    [topic] = opened_threads(reopened)
    assert topic.title.startswith("#1 ↩")
    ticket = await desk.ticket()
    assert (
        ticket.status == "assigned" and ticket.reopen_count == 1 and len(await desk.tickets()) == 1
    )
    new_thread = await desk.thread_of()
    assert new_thread != thread
    card = text_to(reopened, "telegram", TELEGRAM_FORUM, new_thread)
    assert "(dibuka kembali)" in card and "apakah kalian jual saham perusahaan?" in card

    # After the window, a new request opens a new ticket that lists the earlier one.
    await desk.agent_command("close", "dana", "masuk", thread=new_thread)
    desk.clock.advance(timedelta(hours=25))
    fresh = await desk.customer("mau bicara dengan CS")
    assert "tiket #2" in text_to(fresh, "whatsapp", CUSTOMER)
    card = text_to(fresh, "telegram", TELEGRAM_FORUM, await desk.thread_of(2))
    assert "Tiket sebelumnya:" in card and "#1 2026-01-05: dana masuk" in card


async def test_locations_and_edits_are_explained_not_lost(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    thread = await desk.thread_of()
    location = await desk.customer("", media="location")  # no file to pass on
    assert text_to(location, "telegram", TELEGRAM_FORUM, thread) == "👤 Budi Santoso: [📍 lokasi]"
    assert "pesan jenis ini (📍 lokasi) belum bisa kami teruskan" in text_to(
        location, "whatsapp", CUSTOMER
    )
    edited = await desk.customer("paketnya 2 koli", edited=True)
    assert (
        text_to(edited, "telegram", TELEGRAM_FORUM, thread) == "👤 Budi Santoso: ✏️ paketnya 2 koli"
    )
    agent_edit = await desk.agent("Halo Kak, saya cek", thread=thread, edited=True)
    assert sent_to(agent_edit, "whatsapp", CUSTOMER) == []
    assert "tidak dikirim ulang ke pelanggan" in text_to(
        agent_edit, "telegram", TELEGRAM_FORUM, thread
    )
