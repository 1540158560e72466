"""What an agent answered in a ticket flows back into the SOP after a supervisor approves it."""

from __future__ import annotations

from bot.roles import Role
from tests.handoff.conftest import TELEGRAM_FORUM, Desk, text_to

QUESTION = "apakah bisa kirim ke singapura?"
ANSWER = "Maaf Kak, saat ini kami hanya mengirim ke seluruh Indonesia."


async def test_an_agents_answer_in_a_ticket_becomes_an_sop_answer(desk: Desk) -> None:
    await desk.agent_online()
    missed = await desk.customer(QUESTION)
    assert ANSWER not in missed.text
    await desk.customer("mau bicara dengan CS")
    thread = await desk.thread_of()
    await desk.agent_command("take", thread=thread)
    await desk.agent(ANSWER, thread=thread)

    proposed = await desk.agent_command("propose", thread=thread)
    assert "Usulan #1 tersimpan" in text_to(proposed, "telegram", TELEGRAM_FORUM)
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    approved = await desk.agent_command("approve", "1", "shipping-abroad", thread=thread, user="900",
                                        person_name="Sari")
    assert 'entri "shipping-abroad"' in text_to(approved, "telegram", TELEGRAM_FORUM)

    another = await desk.customer(QUESTION, user="6289999999999", name="Ani")
    assert text_to(another, "whatsapp", "6289999999999") == ANSWER


async def test_a_question_that_ended_in_a_handoff_is_counted_as_a_gap(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("kak bisa bayar pakai kartu kredit luar negeri ga ya")
    await desk.customer("mau bicara dengan CS")
    async with desk.bot.runtime.store.transaction() as tx:
        gaps = await tx.sop.top_gaps()
    assert any("kartu kredit luar negeri" in gap.example for gap in gaps)


async def test_an_agent_hears_when_a_reply_missed_the_whatsapp_window(desk: Desk) -> None:
    from bot.adapters.base import OutsideWindow

    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    thread = await desk.thread_of()
    await desk.agent_command("take", thread=thread)
    desk.clock.advance(hours=25)
    desk.bot.adapters["whatsapp"].fail_in_chat["6281234567890"] = [OutsideWindow(None)]
    reply = await desk.agent("Halo Kak Budi, paketnya sudah kami cek.", thread=thread)
    notice = text_to(reply, "telegram", TELEGRAM_FORUM, thread)
    assert "tidak terkirim karena sudah lewat 24 jam" in notice
    assert "Halo Kak Budi" in notice
