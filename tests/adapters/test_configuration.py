"""The example configuration is complete and valid, and unsafe webhook setups are refused."""

from __future__ import annotations

import pytest

from bot.adapters.registry import build_adapters
from bot.clock import SystemClock
from bot.config import PROJECT_ROOT, ConfigError, load_settings

EXAMPLE = PROJECT_ROOT / "examples" / "bot.toml"


async def test_the_example_configuration_starts_all_three_platforms_with_their_webhooks() -> None:
    settings = load_settings(EXAMPLE)
    adapters = build_adapters(settings, SystemClock())
    try:
        assert [adapter.platform for adapter in adapters] == ["telegram", "discord", "whatsapp"]
        paths = sorted((route.path, tuple(sorted(route.methods))) for a in adapters for route in a.routes())
        assert paths == [("/webhooks/telegram", ("POST",)), ("/webhooks/whatsapp", ("GET", "HEAD")),
                         ("/webhooks/whatsapp", ("POST",))]
    finally:
        for adapter in adapters:
            await adapter.aclose()  # type: ignore[attr-defined]


def test_telegram_webhooks_are_refused_without_a_secret_token() -> None:
    with pytest.raises(ConfigError, match="secret_token"):
        load_settings(telegram={"token": "123456789:AAE-replace-with-the-token-from-BotFather", "mode": "webhook"})


def test_whatsapp_is_refused_without_the_app_secret() -> None:
    with pytest.raises(ConfigError, match="app_secret"):
        load_settings(whatsapp={"access_token": "x", "phone_number_id": "1", "verify_token": "v"})


def test_telegram_webhooks_need_a_public_url_to_give_telegram() -> None:
    from bot.adapters.telegram import TelegramAdapter

    settings = load_settings(telegram={"token": "123456789:AAE-replace-with-the-token-from-BotFather",
                                       "mode": "webhook", "secret_token": "s3cret"})
    with pytest.raises(ConfigError, match=r"http\.public_url"):
        TelegramAdapter(settings, SystemClock())
