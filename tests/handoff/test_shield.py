"""Shielding agents: an insult is hidden from the team (shown on request), the customer is
warned, supervisors are alerted, and a supervisor can pause the customer for a while."""

from __future__ import annotations

from datetime import timedelta

from bot.roles import Role
from tests.handoff.conftest import TELEGRAM_FORUM, Desk, sent_to, text_to

CUSTOMER = "6281234567890"
INSULT = "dasar goblok, mana pesanan saya?"


async def _served(desk: Desk) -> str:
    """A ticket with Rina (agent) online and Sinta (supervisor, @sinta) around; its topic."""
    await desk.agent_online()
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    await desk.agent_command("online", user="900", person_name="Sinta Dewi")
    await desk.customer("mau bicara dengan CS")
    return await desk.thread_of()


async def test_an_insult_reaches_the_team_hidden_with_a_warning_and_an_alert(desk: Desk) -> None:
    thread = await _served(desk)
    insulted = await desk.customer(INSULT)

    staff = sent_to(insulted, "telegram", TELEGRAM_FORUM, thread)
    assert all("goblok" not in send.text for send in staff)
    hidden, alert = staff
    assert hidden.text == (
        "👤 Budi Santoso: 🙈 [pesan ke-1 disembunyikan: kata-kata kasar — "
        "tampilkan dengan /reveal #1 1]"
    )
    assert [b.data for b in hidden.buttons] == ["handoff:reveal:1:1"]
    assert alert.text.startswith("🛡️ Tiket #1: Budi Santoso mengirim kata-kata kasar")
    assert "Supervisor: @sinta" in alert.text
    assert [b.data for b in alert.buttons] == ["handoff:block:1:24h"]
    assert "tidak kami teruskan ke tim CS" in text_to(insulted, "whatsapp", CUSTOMER)

    # A second one soon after: hidden too, but no second warning and no second alert.
    desk.clock.advance(minutes=2)
    again = await desk.customer("bangsat lama banget")
    assert [send.text for send in sent_to(again, "telegram", TELEGRAM_FORUM)] == [
        "👤 Budi Santoso: 🙈 [pesan ke-2 disembunyikan: kata-kata kasar — "
        "tampilkan dengan /reveal #1 2]"
    ]
    assert sent_to(again, "whatsapp", CUSTOMER) == []

    # Rina chooses to read the first; the ticket records that she did.
    shown = await desk.agent_press("handoff:reveal:1:1", thread=thread)
    assert text_to(shown, "telegram", TELEGRAM_FORUM, thread) == (
        "👁 Pesan ke-1 dari Budi Santoso di tiket #1 (dibuka atas permintaan Rina Wati):\n" + INSULT
    )
    latest = await desk.agent_command("reveal", thread=thread)
    assert latest.text.endswith("bangsat lama banget")
    actions = [event.action for event in await desk.ticket_events()]
    assert actions.count("abuse_hidden") == 2 and actions.count("revealed") == 2
    assert actions.count("abuse_warned") == 1 and actions.count("abuse_alerted") == 1
    # The transcript for staff keeps the placeholder; the insult stays out of sight.
    transcript = (await desk.agent_command("transcript", thread=thread)).text
    assert "goblok" not in transcript and "pesan ke-1 disembunyikan" in transcript


async def test_anger_without_insults_is_relayed_as_written(desk: Desk) -> None:
    thread = await _served(desk)
    angry = await desk.customer("saya kesal banget, pesanan belum sampai!")
    assert text_to(angry, "telegram", TELEGRAM_FORUM, thread) == (
        "👤 Budi Santoso: saya kesal banget, pesanan belum sampai!"
    )
    assert sent_to(angry, "whatsapp", CUSTOMER) == []


async def test_only_agents_may_reveal(desk: Desk) -> None:
    thread = await _served(desk)
    await desk.customer(INSULT)
    refused = await desk.agent_press("handoff:reveal:1:1", thread=thread, user="555", name="Tamu")
    assert "hanya agen CS" in refused.text and "goblok" not in refused.text


async def test_an_insult_that_asks_for_a_person_opens_a_ticket_without_showing_it(
    desk: Desk,
) -> None:
    await desk.agent_online()
    opened = await desk.customer("admin goblok!!")
    card = text_to(opened, "telegram", TELEGRAM_FORUM, await desk.thread_of())
    assert "goblok" not in card and "pesan ke-1 disembunyikan" in card
    revealed = await desk.agent_command("reveal", "#1", "1")
    assert revealed.text.endswith("admin goblok!!")


async def test_a_supervisor_pauses_a_customer_and_lifts_the_pause(desk: Desk) -> None:
    thread = await _served(desk)
    await desk.customer(INSULT)

    refused = await desk.agent_command("block", "24h", thread=thread)  # Rina is an agent only
    assert "hanya untuk staf dengan peran supervisor" in refused.text

    paused = await desk.agent_command(
        "block", "24h", "kasar", "ke", "agen", thread=thread, user="900", person_name="Sinta Dewi"
    )
    # Monday 09:00 WIB + 24 hours.
    assert "dijeda sampai besok pukul 09.00 WIB" in text_to(paused, "whatsapp", CUSTOMER)
    assert text_to(paused, "telegram", TELEGRAM_FORUM, thread).startswith(
        "⛔ Budi Santoso (tiket #1) dijeda sampai besok pukul 09.00 WIB oleh Sinta Dewi. "
        "Alasan: kasar ke agen."
    )
    assert "⛔" in (await desk.agent_command("queue")).text

    # What they write now is kept, not relayed; they were told just now, so no reminder yet.
    quiet = await desk.customer("halo?? kok diam")
    assert sent_to(quiet, "telegram", TELEGRAM_FORUM) == [] and quiet.actions == []
    desk.clock.advance(minutes=11)
    reminded = await desk.customer("halo")
    assert sent_to(reminded, "telegram", TELEGRAM_FORUM) == []
    assert "sedang dijeda sampai besok pukul 09.00 WIB" in text_to(reminded, "whatsapp", CUSTOMER)
    kept = [line.text for line in await desk.transcript(1) if line.outcome == "blocked"]
    assert kept == ["halo?? kok diam", "halo"]

    # Closed and asked for a person again: still paused, no reopening.
    await desk.agent_command("close", "dijeda", thread=thread)
    await desk.customer_press("csat:1:1")
    asked = await desk.customer("mau bicara dengan CS")
    assert "sedang dijeda sampai" in asked.text and (await desk.ticket()).status == "resolved"
    assert len(await desk.tickets()) == 1

    lifted = await desk.agent_command("unblock", "#1", user="900", person_name="Sinta Dewi")
    assert "sudah bisa mengobrol lagi" in text_to(lifted, "whatsapp", CUSTOMER)
    back = await desk.customer("mau bicara dengan CS")
    assert (await desk.ticket()).status in ("queued", "assigned")
    assert "dijeda" not in text_to(back, "whatsapp", CUSTOMER)
    actions = [event.action for event in await desk.ticket_events()]
    assert "blocked" in actions and "unblocked" in actions


async def test_a_pause_ends_by_itself(desk: Desk) -> None:
    thread = await _served(desk)
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    await desk.agent_press("handoff:block:1:24h", thread=thread, user="900", name="Sinta Dewi")
    assert (await desk.ticket()).blocked_until is not None
    desk.clock.advance(timedelta(hours=24, minutes=1))
    after = await desk.customer("sudah sampai belum ya?")
    assert text_to(after, "telegram", TELEGRAM_FORUM, thread) == (
        "👤 Budi Santoso: sudah sampai belum ya?"
    )


async def test_the_pause_button_is_for_supervisors_only(desk: Desk) -> None:
    thread = await _served(desk)
    refused = await desk.agent_press("handoff:block:1:24h", thread=thread)
    assert "hanya supervisor" in refused.text
    assert (await desk.ticket()).blocked_until is None


async def test_help_lists_the_shield_commands_by_role(desk: Desk) -> None:
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    await desk.grant("telegram", "501", Role.AGENT)
    supervisor = (await desk.agent_command("help", user="900", private=True)).text
    agent = (await desk.agent_command("help", user="501", private=True)).text
    assert "/block" in supervisor and "/unblock" in supervisor and "/reveal" in supervisor
    assert "/reveal" in agent and "/block" not in agent
