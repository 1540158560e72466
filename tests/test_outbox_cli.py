"""`bot outbox`: staff can see what was not delivered and why, send it again, and resume a paused platform."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.actions import Ban, Send
from bot.adapters.base import RetryAfter
from bot.cli import app
from bot.clock import ManualClock
from bot.config import OutboxSettings
from bot.delivery import OutboxSender
from bot.events import Address
from bot.storage import Database, Store
from bot.storage.migrate import upgrade
from tests.support.harness import RecordingAdapter

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def prepare(url: str) -> None:
    async def work() -> None:
        await upgrade(url)
        database = Database(url)
        store = Store(database)
        async with store.transaction() as tx:
            await tx.outbox.add([Send(address=Address("whatsapp", "6281234567890"), text="Pesanan Kakak sudah dikirim"),
                                 Ban(address=Address("whatsapp", "6281234567890"), user_id="6281234567890"),
                                 Send(address=Address("telegram", "42"), text="sampai")], "u1", NOW)
            first, second, third = await tx.outbox.claim(["whatsapp", "telegram"], NOW, limit=10,
                                                         lease=timedelta(seconds=60))
            await tx.outbox.fail(first.id, NOW, "[sent template:follow_up] not sent: 24-hour window closed",
                                 reason="outside_window")
            await tx.outbox.fail(second.id, NOW, "WhatsApp has no Ban", reason="unsupported", skipped=True)
            await tx.outbox.mark_sent(third.id, NOW, "777")
        await database.dispose()

    asyncio.run(work())


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    prepare(url)
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    return url


def test_failed_lists_what_was_not_delivered_with_the_reason(database: str) -> None:
    result = CliRunner().invoke(app, ["outbox", "failed"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Ban to whatsapp:6281234567890" in lines[0] and "skipped: unsupported" in lines[1]
    assert "Send to whatsapp:6281234567890 “Pesanan Kakak sudah dikirim”" in lines[2]
    assert "failed: outside_window after 1 attempt(s): [sent template:follow_up]" in lines[3]
    only_telegram = CliRunner().invoke(app, ["outbox", "failed", "--platform", "telegram"])
    assert only_telegram.output.strip() == "nothing failed"


def test_status_counts_and_retry_queues_a_failed_action_again(database: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["outbox", "status"]).output.split() == [
        "pending", "0", "sending", "0", "sent", "1", "failed", "1", "skipped", "1"]
    assert runner.invoke(app, ["outbox", "retry", "1"]).exit_code == 0
    assert "pending  1" in runner.invoke(app, ["outbox", "status"]).output
    again = runner.invoke(app, ["outbox", "retry", "3"])  # sent, not failed
    assert again.exit_code == 1 and "not a failed or skipped action" in again.output


def pause_whatsapp(url: str) -> None:
    async def work() -> None:
        database = Database(url)
        async with Store(database).transaction() as tx:
            await tx.outbox.pause("whatsapp", "190: (#190) Error validating access token: Session has expired",
                                  NOW, NOW + timedelta(minutes=1))
        await database.dispose()

    asyncio.run(work())


def test_a_paused_platform_is_shown_and_resumed_by_staff(database: str) -> None:
    pause_whatsapp(database)
    runner = CliRunner()
    status = runner.invoke(app, ["outbox", "status"]).output
    assert "paused   whatsapp since 2026-01-05 09:00 UTC: 190: (#190) Error validating access token" in status
    assert "bot outbox resume whatsapp" in status
    resumed = runner.invoke(app, ["outbox", "resume", "whatsapp"])
    assert resumed.exit_code == 0 and "whatsapp: sending resumed" in resumed.output
    assert "paused" not in runner.invoke(app, ["outbox", "status"]).output
    again = runner.invoke(app, ["outbox", "resume", "whatsapp"])
    assert again.exit_code == 1 and again.output.strip() == "whatsapp is not paused"


def test_resuming_an_unknown_platform_is_a_one_line_error(database: str) -> None:
    result = CliRunner().invoke(app, ["outbox", "resume", "myspace"])
    assert result.exit_code == 2
    assert result.output.strip() == "unknown platform 'myspace': expected one of telegram, discord, whatsapp"


def test_a_reply_rate_limited_too_long_is_listed_as_failed(database: str) -> None:
    async def work() -> None:
        database_ = Database(database)
        store = Store(database_)
        clock = ManualClock(NOW)
        adapter = RecordingAdapter("telegram", fail_with=[RetryAfter(3600, "Too Many Requests")] * 50)
        sender = OutboxSender(store, {"telegram": adapter}, clock, OutboxSettings(max_rate_limited_hours=2))
        async with store.transaction() as tx:
            await tx.outbox.add([Send(address=Address("telegram", "77"), text="ditunda terus")], "u9", clock.now())
        for _ in range(4):
            await sender.drain()
            clock.advance(hours=1, minutes=10)
        await database_.dispose()

    asyncio.run(work())
    output = CliRunner().invoke(app, ["outbox", "failed", "--platform", "telegram"]).output
    assert "Send to telegram:77 “ditunda terus”" in output
    assert "failed: rate_limited after 1 attempt(s): rate limited too long (over 2 h): Too Many Requests" in output
