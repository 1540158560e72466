"""Fixtures for adapter tests: fake platform servers on 127.0.0.1 and settings that point at them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import make_settings
from tests.fakes.server import serving
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    async with serving(fake.app) as base_url:
        fake.base_url = base_url  # type: ignore[attr-defined]
        yield fake


MINI_SOP = Path(__file__).resolve().parent.parent / "data" / "sop_mini"


def adapter_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for adapter tests: a one-entry SOP keeps the knowledge base quick to build."""
    return make_settings(database_url, support={"sop_dir": MINI_SOP}, **overrides)
