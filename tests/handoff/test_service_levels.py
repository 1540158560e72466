"""Business hours, honest waiting notices and the first-response target, on an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.roles import Role
from tests.handoff.conftest import TELEGRAM_FORUM, Desk, desk_settings, open_desk, sent_to, text_to

CUSTOMER = "6281234567890"
# The desk works Monday-Friday 08:00-17:00 WIB (UTC+7). The clock starts Monday 09:00 WIB.


async def test_inside_hours_with_an_agent_online_the_customer_hears_place_and_expected_wait(
    desk: Desk,
) -> None:
    await desk.agent_online()
    first = await desk.customer("mau bicara dengan CS")
    assert "antrean ke-1, perkiraan menunggu sekitar 5 menit" in first.text
    second = await desk.customer(
        "mau bicara dengan CS", platform="telegram", user="42", name="Citra"
    )
    assert "antrean ke-2, perkiraan menunggu sekitar 10 menit" in second.text
    # A second agent halves the rounds ahead; real response times replace the 5-minute target.
    await desk.agent_online(user="502", name="Andi Pratama")
    desk.clock.advance(minutes=2)
    await desk.agent("Halo Kak Budi", thread=await desk.thread_of(1))
    third = await desk.customer("mau bicara dengan CS", platform="telegram", user="43", name="Dewi")
    assert "antrean ke-2, perkiraan menunggu sekitar 2 menit" in third.text


async def test_inside_hours_with_nobody_online_the_customer_is_told_so(desk: Desk) -> None:
    reply = await desk.customer("mau bicara dengan CS")
    assert "Saat ini belum ada tim CS yang online" in reply.text
    assert "antrean ke-1" in reply.text and "Silakan tinggalkan pesan di sini" in reply.text
    # The message they leave reaches the team all the same.
    left = await desk.customer("nomor pesanan TN-1001, paket belum sampai")
    assert (
        text_to(left, "telegram", TELEGRAM_FORUM)
        == "👤 Budi Santoso: nomor pesanan TN-1001, paket belum sampai"
    )


async def test_outside_hours_the_customer_hears_when_the_team_is_back(desk_db: str) -> None:
    evening = datetime(2026, 1, 5, 13, 30, tzinfo=UTC)  # Monday 20:30 WIB
    desk = await open_desk(desk_settings(desk_db), evening)
    try:
        await desk.agent_online()  # even with someone online, closed is closed
        reply = await desk.customer("mau bicara dengan CS")
        assert "di luar jam operasional dan kembali besok pukul 08.00 WIB" in reply.text
        assert "Silakan tinggalkan pesan di sini; Kakak ada di antrean ke-1" in reply.text
        english = await desk.customer(
            "I want to talk to a human", platform="telegram", user="42", name="Alice"
        )
        assert "will be back tomorrow at 08:00 WIB" in english.text
    finally:
        await desk.bot.close()


async def test_weekends_and_holidays_push_the_return_further(desk_db: str) -> None:
    friday_evening = datetime(
        2026, 1, 9, 12, 0, tzinfo=UTC
    )  # Friday 19:00 WIB; Monday 12 Jan is a holiday
    settings = desk_settings(desk_db, holidays=[date(2026, 1, 12)])
    desk = await open_desk(settings, friday_evening)
    try:
        reply = await desk.customer("mau bicara dengan CS")
        assert "kembali hari Selasa, 13 Januari pukul 08.00 WIB" in reply.text
    finally:
        await desk.bot.close()


async def test_a_missed_first_response_alerts_supervisors_once(desk: Desk) -> None:
    await desk.agent_online()
    await desk.grant("telegram", "900", Role.SUPERVISOR)
    await desk.agent_command("online", user="900", person_name="Sinta Supervisor")
    await desk.customer("mau bicara dengan CS")

    desk.clock.advance(minutes=4, seconds=59)
    await desk.bot.core.sweep()
    assert sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM) == []

    desk.clock.advance(seconds=2)
    await desk.bot.core.sweep()
    [alert] = sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM)
    assert alert.address.thread_id is None  # in the staff chat itself, where supervisors look
    assert alert.text.startswith(
        "⚠️ Tiket #1 (Budi Santoso, WhatsApp) sudah menunggu 5 menit tanpa balasan pertama"
    )
    assert "Supervisor: @sinta" in alert.text
    assert (await desk.ticket()).sla_breached_at is not None

    desk.clock.advance(hours=1)
    await desk.bot.core.sweep()
    assert sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM) == []
    queue = (await desk.agent_command("queue")).text
    assert "⚠️" in queue


async def test_a_first_response_in_time_means_no_alert(desk: Desk) -> None:
    await desk.agent_online()
    await desk.customer("mau bicara dengan CS")
    desk.clock.advance(minutes=3)
    await desk.agent("Halo Kak, saya bantu ya", thread=await desk.thread_of())
    desk.clock.advance(minutes=10)
    await desk.bot.core.sweep()
    assert sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM) == []
    assert (await desk.ticket()).sla_breached_at is None


async def test_the_first_response_clock_stops_outside_business_hours(desk_db: str) -> None:
    before_closing = datetime(
        2026, 1, 5, 9, 58, tzinfo=UTC
    )  # Monday 16:58 WIB, two minutes before closing
    desk = await open_desk(desk_settings(desk_db), before_closing)
    try:
        await desk.agent_online()
        await desk.customer("mau bicara dengan CS")
        desk.clock.advance(hours=3)  # evening: 2 of the 5 minutes were used
        await desk.bot.core.sweep()
        assert sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM) == []
        desk.clock.set(datetime(2026, 1, 6, 1, 2, tzinfo=UTC))  # Tuesday 08:02 WIB
        await desk.bot.core.sweep()
        assert sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM) == []
        desk.clock.set(
            datetime(2026, 1, 6, 1, 3, tzinfo=UTC)
        )  # Tuesday 08:03 WIB: 5 working minutes
        await desk.bot.core.sweep()
        [alert] = sent_to(await desk.bot.deliver(), "telegram", TELEGRAM_FORUM)
        assert alert.text.startswith("⚠️ Tiket #1")
    finally:
        await desk.bot.close()
