"""Slash commands as Discord wants them registered (`PUT /applications/{id}/commands`).

Every command gets an optional `user` (whom it is about) and `args` (the rest),
so one shape serves `/ban user:@x args:spam` and `/help`. Descriptions are
localised (Indonesian and English). `default_member_permissions` only decides
who sees a command in the menu by default (server admins can change that under
Server Settings → Integrations); the core still checks every command itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.adapters.commands import Audience, CommandInfo

_LOCALES = {"id": ("id",), "en": ("en-US", "en-GB")}
_SEEN_BY = {
    Audience.EVERYONE: None,
    Audience.STAFF: discord.Permissions(manage_messages=True),
    Audience.MODERATORS: discord.Permissions(moderate_members=True),
    Audience.ADMINS: discord.Permissions(manage_guild=True),
}
_OPTION_TEXT = {
    "user": {"id": "Orang yang dimaksud", "en": "Who this is about"},
    "args": {"id": "Keterangan lain (durasi, alasan, ...)", "en": "Anything else (duration, reason, ...)"},
}


def slash_commands(commands: Sequence[CommandInfo], default_language: str) -> list[dict[str, Any]]:
    return [_command(info, default_language) for info in commands if _valid_name(info.name)]


def _command(info: CommandInfo, default_language: str) -> dict[str, Any]:
    permissions = _SEEN_BY[info.audience]
    options = []
    if info.audience is not Audience.EVERYONE:
        options.append(_option(6, "user", default_language))  # USER
    options.append(_option(3, "args", default_language))  # STRING
    return {
        "type": 1,  # CHAT_INPUT
        "name": info.name,
        "description": info.description(default_language)[:100] or info.name,
        "description_localizations": _localised(info.descriptions),
        "options": options,
        "default_member_permissions": str(permissions.value) if permissions is not None else None,
        "contexts": [0, 1] if info.audience is Audience.EVERYONE else [0],  # 0 server, 1 DM with the bot
    }


def _option(kind: int, name: str, default_language: str) -> dict[str, Any]:
    texts = _OPTION_TEXT[name]
    return {
        "type": kind,
        "name": name,
        "description": texts.get(default_language, texts["en"]),
        "description_localizations": _localised(texts),
        "required": False,
    }


def _localised(texts: dict[str, str] | Any) -> dict[str, str]:
    localised: dict[str, str] = {}
    for language, text in texts.items():
        for locale in _LOCALES.get(language, ()):
            localised[locale] = text[:100]
    return localised


def _valid_name(name: str) -> bool:
    return 1 <= len(name) <= 32 and name == name.lower() and all(c.isalnum() or c in "-_" for c in name)
