"""`bot run`: the HTTP server answers /healthz, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.webhooks import free_port  # below the ephemeral range: no race with clients
from bot import app as app_module
from bot.actions import Action
from bot.adapters.base import Capabilities, DeliveryResult, EventSink
from bot.events import Address, ChatKind, Message, Person
from tests.conftest import make_settings


def test_run_serves_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env.update(BOT_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}", BOT_HTTP__PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        assert response is not None, process.stderr.read() if process.stderr else ""
        assert response.status_code == 200
        assert response.json()["database"] == "ok"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "telegram not started" in stderr
    assert "msg=stopped" in stderr and "Traceback" not in stderr


class SlowAdapter:
    """Delivers one customer message when started; its replies are recorded."""

    platform = "telegram"
    capabilities = Capabilities()

    def __init__(self) -> None:
        self.executed: list[Action] = []
        self.task: asyncio.Task[Any] | None = None

    async def start(self, sink: EventSink) -> None:
        event = Message(update_id="telegram:1", address=Address("telegram", "c1"), at=app_module.SystemClock().now(),
                        sender=Person("telegram", "c1"), chat_kind=ChatKind.PRIVATE, message_id="1", text="halo")
        self.task = asyncio.create_task(sink(event))

    async def stop(self) -> None:
        return None

    async def execute(self, action: Action) -> DeliveryResult:
        self.executed.append(action)
        return DeliveryResult(message_id="9")

    def routes(self) -> list[Any]:
        return []


async def test_shutdown_finishes_work_in_flight_and_delivers_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = SlowAdapter()
    monkeypatch.setattr(app_module, "build_adapters", lambda settings, clock, **_: [adapter])
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", http={"enabled": False})
    stop = asyncio.Event()
    stop.set()  # asked to stop at once: the message already taken must still be answered
    await app_module.serve(settings, stop)
    assert [action.text for action in adapter.executed] == ["Halo! 😊 Ada yang bisa saya bantu?"]  # type: ignore[attr-defined]
