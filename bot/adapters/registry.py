"""Which platform adapters to start: every platform with credentials, and a log line for the rest."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.adapters.base import Adapter
from bot.adapters.commands import CommandInfo
from bot.adapters.media import link_media
from bot.clock import Clock
from bot.config import Settings
from bot.storage import Store

log = logging.getLogger("bot.adapters")


def build_adapters(
    settings: Settings,
    clock: Clock,
    *,
    store: Store | None = None,
    commands: Sequence[CommandInfo] = (),
) -> list[Adapter]:
    """The configured adapters. `store` lets them remember what platforms need remembered (the
    WhatsApp window, delivery statuses, usernames); `commands` fill the platforms' command menus."""
    adapters: list[Adapter] = []
    if settings.telegram.token is None:
        log.info("telegram not started: no token (set BOT_TELEGRAM__TOKEN)", extra={"platform": "telegram"})
    else:
        from bot.adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(settings, clock, store=store, commands=commands))
    if settings.discord.token is None:
        log.info("discord not started: no token (set BOT_DISCORD__TOKEN)", extra={"platform": "discord"})
    else:
        from bot.adapters.discord_adapter import DiscordAdapter

        adapters.append(DiscordAdapter(settings, clock, store=store, commands=commands))
    whatsapp = settings.whatsapp
    if whatsapp.access_token is None or whatsapp.phone_number_id is None:
        log.info(
            "whatsapp not started: no access token or phone number id "
            "(set BOT_WHATSAPP__ACCESS_TOKEN and BOT_WHATSAPP__PHONE_NUMBER_ID)",
            extra={"platform": "whatsapp"},
        )
    else:
        from bot.adapters.whatsapp import WhatsAppAdapter

        adapters.append(WhatsAppAdapter(settings, clock, store=store))
    link_media(adapters)  # a file from one platform can be posted on another
    return adapters
