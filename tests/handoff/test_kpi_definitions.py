"""`bot report` against docs/handoff.md's definitions, on a scripted morning at the desk.

The figures are worked out by hand from the script below (minutes after the first
customer writes), then compared with what the command line reports:

    0  Budi (WhatsApp) asks for a person: ticket #1
    2  Sari (Telegram) asks for a person: ticket #2
    4  Rina takes #1                        #1 worked from 4
    6  Rina answers Budi                    first response #1: 6 min
   10  Rina answers Sari (no /take)         #2 worked from 10; first response #2: 8 min
   21  Rina closes #1; Budi rates 4         handle 21 - 4 = 17 min
   25  Rina closes #2; Sari rates 5         handle 25 - 10 = 15 min
   30  Budi needs a person again: #1 reopens, straight back to Rina (online)
   40  Rina answers Budi
   45  Rina closes #1 again; Budi rates 2   handle 45 - 30 = 15 min
   50  Andi (WhatsApp) asks for a person: ticket #3
   52  Rina closes #3 as spam, nobody worked on it: left out of the handle time

    handle time  (17 + 15 + 15) / 3 = 15 min 40 s, 3 closings, 1 closed unworked
    CSAT         4, 5 and 2, each counted once: average 11/3, two of three gave 4-5
    FRT          6 and 8 minutes: median 7 min, p90 6 + 0.9 * 2 = 7.8 min
    FCR          #2 and #3 of the 3 closed tickets (#1 was reopened)
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.handoff.conftest import SOP_DIR, desk_settings, open_desk

BUDI = "6281234567890"
SARI = "777001"
ANDI = "6289990001111"


def test_the_report_agrees_with_the_documented_definitions(
    desk_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def a_morning_at_the_desk() -> None:
        # Always open, so the wait texts do not depend on when the test runs.
        settings = desk_settings(desk_db, business_hours={}, first_response_minutes=30)
        desk = await open_desk(settings, datetime.now(UTC) - timedelta(hours=3))
        clock = desk.clock
        try:
            await desk.agent_online()
            await desk.customer("mau bicara dengan CS", user=BUDI, name="Budi")
            clock.advance(minutes=2)
            await desk.customer("mau bicara dengan CS", platform="telegram", user=SARI, name="Sari")
            clock.advance(minutes=2)
            await desk.agent_command("take", "#1")
            clock.advance(minutes=2)
            await desk.agent("Halo Kak Budi, saya cek dulu", thread=await desk.thread_of(1))
            clock.advance(minutes=4)
            await desk.agent("Halo Kak Sari, ada yang bisa dibantu?", thread=await desk.thread_of(2))
            clock.advance(minutes=11)
            await desk.agent_command("close", "beres", thread=await desk.thread_of(1))
            await desk.customer_press("csat:1:4", user=BUDI, name="Budi")
            clock.advance(minutes=4)
            await desk.agent_command("close", "beres", thread=await desk.thread_of(2))
            await desk.customer_press("csat:2:5", platform="telegram", user=SARI, name="Sari")
            clock.advance(minutes=5)
            await desk.customer("mau bicara dengan CS lagi", user=BUDI, name="Budi")
            assert (await desk.ticket(1)).status == "assigned"  # reopened, back with Rina
            clock.advance(minutes=10)
            await desk.agent("Baik Kak, sudah saya proses", thread=await desk.thread_of(1))
            clock.advance(minutes=5)
            await desk.agent_command("close", "beres lagi", thread=await desk.thread_of(1))
            await desk.customer_press("csat:1:2", user=BUDI, name="Budi")
            clock.advance(minutes=5)
            await desk.customer("mau bicara dengan CS", user=ANDI, name="Andi")
            clock.advance(minutes=2)
            await desk.agent_command("close", "spam", thread=await desk.thread_of(3))
        finally:
            await desk.bot.close()

    asyncio.run(a_morning_at_the_desk())
    monkeypatch.setenv("BOT_DATABASE_URL", desk_db)
    monkeypatch.setenv("BOT_SUPPORT__SOP_DIR", str(SOP_DIR))
    result = CliRunner().invoke(app, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)

    assert (data["tickets_opened"], data["tickets_closed"]) == (3, 3)
    assert data["average_handle_time_seconds"] == pytest.approx((17 + 15 + 15) / 3 * 60)
    assert (data["handled_closings"], data["closed_unworked"]) == (3, 1)
    assert data["csat_average"] == pytest.approx((4 + 5 + 2) / 3)
    assert (data["csat_answers"], data["csat_share_4_5"]) == (3, pytest.approx(2 / 3))
    assert data["first_response_median_seconds"] == 7 * 60
    assert data["first_response_p90_seconds"] == pytest.approx((6 + 0.9 * 2) * 60)
    assert (data["first_contact_resolved"], data["first_contact_resolution"]) == (
        2,
        pytest.approx(2 / 3),
    )

    table = CliRunner().invoke(app, ["report"]).output
    assert "15m 40s (3 closings; 1 closed unworked, not counted)" in table
    assert "average 3.67 · 66.7% gave 4–5 (3 answers)" in table
    # Agents are named as people know them, not by their platform keys.
    assert "  Rina Wati: " in table and "telegram:" not in table
