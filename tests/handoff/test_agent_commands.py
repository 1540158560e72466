"""What agents do in the workspace: notes, taking and passing tickets, canned answers, the queue."""

from __future__ import annotations

from typing import Any

import pytest

from bot.events import Person
from bot.roles import Role
from tests.handoff.conftest import TELEGRAM_FORUM, Desk, desk_settings, open_desk, sent_to, text_to

CUSTOMER = "6281234567890"


async def _ticket_with_topic(desk: Desk, user: str = CUSTOMER, name: str = "Budi Santoso") -> str:
    await desk.customer("mau bicara dengan CS", user=user, name=name)
    tickets = await desk.tickets()
    return await desk.thread_of(tickets[-1].id)


async def test_internal_notes_never_reach_the_customer(desk: Desk) -> None:
    await desk.agent_online()
    thread = await _ticket_with_topic(desk)

    marked = await desk.agent("// pelanggan ini sudah 3x komplain, hati-hati", thread=thread)
    command = await desk.agent_command("note", "cek", "resi", "JNE", "dulu", thread=thread)
    elsewhere = await desk.agent_command(
        "note", "#1", "sudah", "eskalasi", "ke", "gudang", private=True
    )

    for reply in (marked, command, elsewhere):
        assert sent_to(reply, "whatsapp", CUSTOMER) == []
    assert marked.actions == [] and command.actions == []
    # A note made outside the topic is shown in it, so the team sees it; the author hears it was saved.
    assert (
        text_to(elsewhere, "telegram", TELEGRAM_FORUM, thread)
        == "📝 Catatan dari Rina Wati: sudah eskalasi ke gudang"
    )
    assert text_to(elsewhere, "telegram", "501") == "Tiket #1: catatan disimpan."

    notes = [e.detail for e in await desk.ticket_events() if e.action == "note"]
    assert notes == [
        "pelanggan ini sudah 3x komplain, hati-hati",
        "cek resi JNE dulu",
        "sudah eskalasi ke gudang",
    ]
    assert all(
        line.author != "agent" for line in await desk.transcript(1)
    )  # nothing was said to the customer
    transcript = (await desk.agent_command("transcript", thread=thread)).text
    assert "📝 Rina Wati: cek resi JNE dulu" in transcript


async def test_people_without_an_agent_role_are_refused_clearly(desk: Desk) -> None:
    await desk.agent_online()
    thread = await _ticket_with_topic(desk)

    customer_take = await desk.customer_command("take", "1")
    assert customer_take.text == "Maaf, perintah ini hanya untuk staf dengan peran agent."
    customer_kpi = await desk.customer_command("kpi")
    assert customer_kpi.text == "Maaf, perintah ini hanya untuk staf dengan peran supervisor."

    # Someone in the staff chat without the role can neither answer the customer nor take the ticket.
    stranger = await desk.agent("Halo, saya bantu ya", thread=thread, user="777", name="Tamu")
    assert sent_to(stranger, "whatsapp", CUSTOMER) == []
    assert "hanya agen CS yang bisa membalas pelanggan" in text_to(
        stranger, "telegram", TELEGRAM_FORUM, thread
    )
    pressed = await desk.agent_press("handoff:take:1", thread=thread, user="777", name="Tamu")
    assert "hanya agen CS" in pressed.text
    close = await desk.agent_command(
        "close", "selesai", thread=thread, user="777", person_name="Tamu"
    )
    assert close.text == "Maaf, perintah ini hanya untuk staf dengan peran agent."
    assert (await desk.ticket()).status == "queued"


async def test_take_release_and_transfer_are_recorded_and_told(desk: Desk) -> None:
    await desk.agent_online()
    await desk.agent_online(user="502", name="Andi Pratama", username="andi")
    thread = await _ticket_with_topic(desk)

    taken = await desk.agent_press("handoff:take:1", thread=thread)
    assert (
        text_to(taken, "whatsapp", CUSTOMER)
        == "Rina dari tim CS sudah bergabung dan akan membantu Kakak. 🙂"
    )
    assert text_to(taken, "telegram", TELEGRAM_FORUM, thread) == "✋ Rina Wati mengambil tiket #1."

    other = await desk.agent_command("take", thread=thread, user="502", person_name="Andi Pratama")
    assert "sedang dipegang Rina Wati" in other.text

    moved = await desk.agent_command("transfer", "@andi", thread=thread)
    assert (
        text_to(moved, "telegram", TELEGRAM_FORUM, thread)
        == "➡️ Rina Wati mengalihkan tiket #1 ke @andi."
    )
    assert "Percakapan Kakak kami teruskan ke Andi" in text_to(moved, "whatsapp", CUSTOMER)
    assert (await desk.ticket()).assignee_key == "telegram:502"

    released = await desk.agent_command(
        "release", thread=thread, user="502", person_name="Andi Pratama"
    )
    assert "kembali ke antrean" in released.text
    assert (await desk.ticket()).status == "queued"

    steps = [(e.action, e.actor_key, e.to_status) for e in await desk.ticket_events()][1:]
    assert steps == [
        ("taken", "telegram:501", "assigned"),
        ("transferred", "telegram:501", "assigned"),
        ("released", "telegram:502", "queued"),
    ]


async def test_transfer_to_a_team_pings_its_members(desk_db: str) -> None:
    teams: dict[str, Any] = {"finance": ["telegram:601", "telegram:602"]}
    desk = await open_desk(desk_settings(desk_db, teams=teams))
    try:
        await desk.agent_online()
        await desk.grant("telegram", "601")
        await desk.agent_command("online", user="601", person_name="Fina", username="fina")
        thread = await _ticket_with_topic(desk)
        moved = await desk.agent_command("transfer", "finance", thread=thread)
        staff = text_to(moved, "telegram", TELEGRAM_FORUM, thread)
        assert (
            staff.startswith("➡️ Rina Wati mengalihkan tiket #1 ke tim finance.")
            and "@fina" in staff
        )
        assert "tim finance" in text_to(moved, "whatsapp", CUSTOMER)
        ticket = await desk.ticket()
        assert (ticket.team, ticket.status, ticket.assignee_key) == ("finance", "queued", None)
        unknown = await desk.agent_command("transfer", "legal", thread=thread)
        assert "Tim yang ada: finance" in unknown.text
        not_agent = await desk.agent_command("transfer", "telegram:999", thread=thread)
        assert "telegram:999 bukan agen CS" in not_agent.text
    finally:
        await desk.bot.close()


async def test_canned_responses_are_listed_and_sent_in_the_customers_language(desk_db: str) -> None:
    canned = {
        "salam": {
            "id": "Halo Kak {customer}, saya bantu cek ya.",
            "en": "Hi {customer}, let me check that for you.",
        },
        "tutup": {"id": "Terima kasih sudah menunggu, Kak!"},
    }
    desk = await open_desk(desk_settings(desk_db, canned=canned))
    try:
        await desk.agent_online()
        await desk.customer("I want to talk to a human", user="447700900123", name="Alice Smith")
        thread = await desk.thread_of()
        listed = await desk.agent_command("canned", thread=thread)
        assert (
            "• salam: Halo Kak {customer}, saya bantu cek ya." in listed.text
            and "• tutup:" in listed.text
        )
        sent = await desk.agent_command("canned", "salam", thread=thread)
        assert (
            text_to(sent, "whatsapp", "447700900123")
            == "Rina (CS): Hi Alice, let me check that for you."
        )
        assert '"salam" terkirim' in text_to(sent, "telegram", TELEGRAM_FORUM, thread)
        assert (await desk.ticket()).first_response_at is not None
    finally:
        await desk.bot.close()


async def test_the_queue_shows_open_tickets_with_their_waiting_time(desk: Desk) -> None:
    await desk.agent_online()
    empty = await desk.agent_command("queue")
    assert empty.text == "Tidak ada tiket terbuka. 🎉"
    await desk.customer("mau bicara dengan CS")
    desk.clock.advance(minutes=4)
    await desk.customer("minta admin dong", platform="telegram", user="42", name="Citra")
    desk.clock.advance(minutes=3)
    await desk.agent_command("take", "#2")
    listed = (await desk.agent_command("queue")).text.splitlines()
    assert listed[0] == "Tiket terbuka (2):"
    assert listed[1].startswith("#1 · Budi Santoso (WhatsApp) · antre · menunggu 7m")
    assert listed[2].startswith("#2 · Citra (Telegram) · ditangani · menunggu 3m · Rina Wati")


async def test_history_and_availability(desk: Desk) -> None:
    await desk.agent_online()
    thread = await _ticket_with_topic(desk)
    await desk.agent_command("close", "sudah", "dijawab", thread=thread)
    history = (await desk.agent_command("history", "whatsapp:6281234567890", private=True)).text
    assert history.startswith("Riwayat Budi Santoso (whatsapp:[phone]):")  # as on the card: no phone number
    assert "#1 · 2026-01-05 09:00 · pelanggan minta bicara dengan CS · sudah dijawab" in history
    assert "Pelanggan: mau bicara dengan CS" in history

    await desk.agent_online(user="502", name="Andi Pratama", username="andi")
    await desk.agent_command("away", user="502", person_name="Andi Pratama")
    board = (await desk.agent_command("availability")).text
    assert "Online: Rina Wati" in board and "Sedang pergi: Andi Pratama" in board
    gone = await desk.agent_command("offline")
    assert gone.text == "Status Anda: offline. Terima kasih!"


@pytest.mark.parametrize("where", ["group", "private"])
async def test_transcripts_open_only_where_no_customer_reads(desk: Desk, where: str) -> None:
    await desk.agent_online()
    await _ticket_with_topic(desk)
    from bot.events import Address, ChatKind, Command

    if where == "group":
        # An agent in some other group asks for a transcript: refused there.
        reply = await desk.bot.send_event(
            Command(
                update_id="telegram:other:1",
                address=Address("telegram", "-100777"),
                at=desk.clock.now(),
                sender=Person("telegram", "501", name="Rina Wati"),
                chat_kind=ChatKind.GROUP,
                name="transcript",
                args=("1",),
            )
        )
        assert "hanya bisa dibuka di grup staf atau chat pribadi" in reply.text
    else:
        reply = await desk.agent_command("transcript", "1", private=True)
        assert reply.text.startswith("Transkrip tiket #1 (Budi Santoso):")
        assert "Pelanggan: mau bicara dengan CS" in reply.text


async def test_a_supervisor_may_take_over_a_ticket_an_agent_holds(desk: Desk) -> None:
    await desk.agent_online()
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    thread = await _ticket_with_topic(desk)
    await desk.agent_command("take", thread=thread)
    taken = await desk.agent_command(
        "take", thread=thread, user="900", person_name="Sinta Supervisor"
    )
    assert "✋ Sinta Supervisor mengambil tiket #1." in taken.text
    assert (await desk.ticket()).assignee_key == "telegram:900"


async def test_a_command_without_a_ticket_asks_which_one(desk: Desk) -> None:
    await desk.agent_online()
    await _ticket_with_topic(desk)
    lost = await desk.agent_command("take")  # in the staff chat itself, not in a topic
    assert lost.text.startswith("Tiket yang mana?") and "/take 12" in lost.text
    unknown = await desk.agent_command("close", "#99", "selesai")
    assert unknown.text.startswith("Tiket yang mana?")
    assert (await desk.ticket()).status == "queued"
