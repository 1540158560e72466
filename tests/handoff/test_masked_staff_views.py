"""What staff see and what is stored carries no raw phone, card or secret, whoever wrote it.

The customer's words and the agent's replies are stored masked (the customer still gets
the agent's words as written); `/history` and `/transcript` show a WhatsApp customer the
way the ticket card does, without their phone number.
"""

from __future__ import annotations

from tests.handoff.conftest import Desk

CUSTOMER = "6281234567890"


async def _open_ticket(desk: Desk, name: str = "Budi Santoso") -> str:
    await desk.agent_online()
    await desk.customer("nomor saya 0812-3456-7890, password saya abc123", name=name)
    await desk.customer("mau bicara dengan CS", name=name)
    return await desk.thread_of(1)


async def test_the_agents_reply_reaches_the_customer_as_written_and_is_stored_masked(desk: Desk) -> None:
    thread = await _open_ticket(desk)
    reply = await desk.agent("Kode OTP kamu 123456, atau telepon kami di 0812-9999-8888 ya Kak", thread=thread)
    (to_customer,) = [send for send in reply.sends if send.address.platform == "whatsapp"]
    assert "123456" in to_customer.text and "0812-9999-8888" in to_customer.text
    stored = [line.text for line in await desk.transcript() if line.author == "agent"]
    assert stored == ["Kode OTP kamu [secret], atau telepon kami di [phone] ya Kak"]
    customer_lines = [line.text for line in await desk.transcript() if line.author == "customer"]
    assert "nomor saya [phone], password saya [secret]" in customer_lines
    assert not any("abc123" in text or "3456-7890" in text for text in customer_lines)


async def test_history_shows_no_phone_where_the_card_shows_none(desk: Desk) -> None:
    thread = await _open_ticket(desk)
    card = (await desk.agent_command("transcript", thread=thread)).text
    await desk.agent("Kode OTP kamu 123456 ya Kak", thread=thread)
    await desk.agent_command("close", "sudah", "dijawab", thread=thread)
    history = (await desk.agent_command("history", f"whatsapp:{CUSTOMER}", private=True)).text
    assert history.startswith("Riwayat Budi Santoso (whatsapp:[phone]):")
    assert "[phone]" in history and "[secret]" in history
    for raw in (CUSTOMER, "0812-3456-7890", "abc123", "123456"):
        assert raw not in history and raw not in card


async def test_a_customer_without_a_name_is_not_named_by_their_number(desk: Desk) -> None:
    thread = await _open_ticket(desk, name="")
    await desk.agent_command("close", "selesai", thread=thread)
    history = (await desk.agent_command("history", f"whatsapp:{CUSTOMER}", private=True)).text
    assert history.startswith("Riwayat pengguna Whatsapp [phone] (whatsapp:[phone]):")
    transcript = (await desk.agent_command("transcript", "1", private=True)).text
    assert CUSTOMER not in history and CUSTOMER not in transcript
