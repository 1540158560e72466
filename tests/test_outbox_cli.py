"""`bot outbox`: staff can see what was not delivered and why, and send it again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.actions import Ban, Send
from bot.cli import app
from bot.events import Address
from bot.storage import Database, Store
from bot.storage.migrate import upgrade

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
