"""Discord's objects as neutral events: pure functions of what discord.py hands us.

discord.py keeps the gateway's state (guilds, channels, roles, members), so the
rights of a member are read from it, not fetched: `channel.permissions_for(member)`
for messages, the permissions Discord resolved into an interaction for slash
commands.

Addresses: a server channel is `Address("discord", channel_id)`, a thread is the
parent channel with `thread_id`, and a DM is the person's own user id (as on
Telegram and WhatsApp, a private chat's id is the customer's id), which the
adapter turns back into a DM channel when it sends.

Update ids: `discord:<message id>` for a message, `discord:<id>:edit:<time>` for
each edit, `discord:<interaction id>` for slash commands and buttons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import discord

from bot.adapters.incoming import DISCORD_MAX_TEXT, clean_text
from bot.adapters.text import find_urls, parse_command
from bot.events import (
    Address,
    BotMembershipChanged,
    ButtonPressed,
    ChatKind,
    Command,
    Event,
    Media,
    MemberJoined,
    MemberLeft,
    Message,
    MessageRef,
    Person,
    Platform,
    Right,
)

DISCORD = Platform.DISCORD.value
_MENTION = re.compile(r"^<@!?(\d+)>$")
_USER_ID = re.compile(r"^\d{15,21}$")
_SPOKEN = (discord.MessageType.default, discord.MessageType.reply)


def rights_of(permissions: discord.Permissions) -> frozenset[Right]:
    """Discord permissions as neutral rights; an administrator has them all."""
    if permissions.administrator:
        return frozenset(Right)
    rights = set()
    if permissions.manage_messages:
        rights.add(Right.DELETE_MESSAGES)
    if permissions.moderate_members:
        rights.add(Right.RESTRICT_MEMBERS)
    if permissions.ban_members:
        rights.add(Right.BAN_MEMBERS)
    if permissions.manage_guild or permissions.manage_channels:
        rights.add(Right.MANAGE_CHAT)
    if permissions.manage_threads:
        rights.add(Right.MANAGE_TOPICS)
    return frozenset(rights)


def person_of(user: discord.abc.User, language: str | None = None) -> Person:
    return Person(DISCORD, str(user.id), name=user.display_name, username=user.name, language=language,
                  is_bot=user.bot)


def address_of(channel: Any, author_id: int) -> Address:
    if isinstance(channel, discord.DMChannel | discord.GroupChannel) or getattr(channel, "guild", None) is None:
        return Address(DISCORD, str(author_id))
    if isinstance(channel, discord.Thread):
        return Address(DISCORD, str(channel.parent_id), str(channel.id))
    return Address(DISCORD, str(channel.id))


def _title(channel: Any) -> str | None:
    guild = getattr(channel, "guild", None)
    if guild is None:
        return None
    return f"{guild.name} / #{getattr(channel, 'name', channel.id)}"


def outranks(guild: discord.Guild | None, target: Any, sender: Any) -> bool | None:
    """Whether `target` is above `sender` in the server: the owner is above all, then roles decide."""
    if guild is None or not isinstance(target, discord.Member) or not isinstance(sender, discord.Member):
        return None
    if target.id == guild.owner_id:
        return True
    if sender.id == guild.owner_id:
        return False
    return target.top_role >= sender.top_role


def parse_message(message: discord.Message, me_id: int, *, edited: bool = False) -> list[Event]:
    """The event for one message (nothing for our own, webhooks' and system messages)."""
    author = message.author
    if author.id == me_id or message.webhook_id is not None or message.type not in _SPOKEN:
        return []
    channel = message.channel
    guild = message.guild
    private = guild is None
    stamp = message.edited_at if edited else None
    common: dict[str, Any] = {
        "update_id": f"discord:{message.id}" + (f":edit:{stamp.isoformat()}" if stamp else ""),
        "address": address_of(channel, author.id),
        "at": stamp or message.created_at,
        "sender": person_of(author),
        "chat_kind": ChatKind.PRIVATE if private else ChatKind.GROUP,
        "chat_title": _title(channel),
    }
    if not private and isinstance(author, discord.Member):
        common["sender_rights"] = rights_of(channel.permissions_for(author))
        common["bot_rights"] = rights_of(channel.permissions_for(guild.me))  # type: ignore[union-attr]
    reply_to = _reply_ref(message)
    text = clean_text(message.content or "", DISCORD_MAX_TEXT)
    typed = parse_command(text) if not edited else None
    if typed is not None:
        return [_command(common, message, typed.name, typed.args, reply_to)]
    return [
        Message(
            **common,
            message_id=str(message.id),
            text=text,
            reply_to=reply_to,
            edited=edited,
            media=_media(message),
            links=find_urls(text),
            mentions=tuple(str(user.id) for user in message.mentions),
            forwarded=bool(getattr(message, "message_snapshots", None)),
            attachments=tuple(_as_media(attachment, message) for attachment in message.attachments),
        )
    ]


def _reply_ref(message: discord.Message) -> MessageRef | None:
    reference = message.reference
    if reference is None or reference.message_id is None:
        return None
    resolved = reference.resolved
    if isinstance(resolved, discord.Message):
        text = clean_text(resolved.content or "", DISCORD_MAX_TEXT)
        return MessageRef(str(resolved.id), person_of(resolved.author), text, resolved.created_at)
    return MessageRef(str(reference.message_id))


def _media(message: discord.Message) -> str | None:
    if message.attachments:
        return _kind(message.attachments[0], message)
    if message.stickers:
        return "sticker"
    return None


def _kind(attachment: discord.Attachment, message: discord.Message) -> str:
    kind = (attachment.content_type or "").split("/")[0]
    if kind == "image":
        return "photo"
    if kind == "video":
        return "video"
    if kind == "audio":
        return "voice" if message.flags.voice else "audio"
    return "document"


def _as_media(attachment: discord.Attachment, message: discord.Message) -> Media:
    """An attachment by its CDN address (anyone may fetch it while the signed link lasts)."""
    return Media(_kind(attachment, message), DISCORD, str(attachment.id), url=attachment.url,
                 file_name=attachment.filename, mime_type=attachment.content_type, size=attachment.size)


def _command(
    common: dict[str, Any], message: discord.Message, name: str, args: tuple[str, ...], reply_to: MessageRef | None
) -> Command:
    target: Any = None
    resolved = message.reference.resolved if message.reference else None
    if isinstance(resolved, discord.Message):
        target = resolved.author
    elif args and (mention := _MENTION.match(args[0])):
        target = next((user for user in message.mentions if user.id == int(mention.group(1))), None)
        target = target or discord.Object(int(mention.group(1)))
        args = args[1:]
    extra: dict[str, Any] = {}
    if target is not None:
        extra["target"] = person_of(target) if isinstance(target, discord.abc.User) else Person(DISCORD, str(target.id))
        if isinstance(target, discord.Member) and message.guild is not None:
            extra["target_rights"] = rights_of(message.channel.permissions_for(target))
            extra["target_outranks_sender"] = outranks(message.guild, target, message.author)
    return Command(**common, name=name, args=args, message_id=str(message.id), reply_to=reply_to, **extra)


def parse_interaction(interaction: discord.Interaction) -> list[Event]:
    """A slash command or a button press."""
    user = interaction.user
    language = str(interaction.locale.value) if interaction.locale else None
    channel = interaction.channel
    guild = interaction.guild
    private = interaction.guild_id is None
    if private:
        address = Address(DISCORD, str(user.id))
    elif isinstance(channel, discord.Thread):
        address = Address(DISCORD, str(channel.parent_id), str(channel.id))
    else:
        address = Address(DISCORD, str(interaction.channel_id))
    common: dict[str, Any] = {
        "update_id": f"discord:{interaction.id}",
        "address": address,
        "at": interaction.created_at,
        "sender": person_of(user, language),
        "chat_kind": ChatKind.PRIVATE if private else ChatKind.GROUP,
        "chat_title": _title(channel) if channel is not None else None,
    }
    if not private:
        common["sender_rights"] = rights_of(interaction.permissions)
        common["bot_rights"] = rights_of(interaction.app_permissions)
    data: Mapping[str, Any] = interaction.data or {}
    if interaction.type is discord.InteractionType.component:
        message = interaction.message
        return [ButtonPressed(**common, data=str(data.get("custom_id", "")),
                              message_id=str(message.id) if message else None)]
    if interaction.type is not discord.InteractionType.application_command or data.get("type", 1) != 1:
        return []  # autocomplete, modals, context menus: not ours
    options = {option["name"]: option for option in data.get("options") or []}
    args = tuple(str(options["args"]["value"]).split()) if "args" in options else ()
    extra: dict[str, Any] = {}
    target_id = str(options["user"]["value"]) if "user" in options else None
    if target_id is None and args and (_USER_ID.match(args[0]) or _MENTION.match(args[0])):
        found = _MENTION.match(args[0])
        target_id, args = (found.group(1) if found else args[0]), args[1:]
    if target_id is not None:
        extra.update(_interaction_target(data.get("resolved") or {}, target_id, guild, user))
    return [Command(**common, name=str(data.get("name", "")).lower(), args=args,
                    message_id=f"interaction:{interaction.id}", **extra)]


def _interaction_target(resolved: Mapping[str, Any], target_id: str, guild: discord.Guild | None,
                        sender: Any) -> dict[str, Any]:
    user = (resolved.get("users") or {}).get(target_id) or {}
    member = (resolved.get("members") or {}).get(target_id)
    name = user.get("global_name") or user.get("username") or ""
    found: dict[str, Any] = {
        "target": Person(DISCORD, target_id, name=name, username=user.get("username"), is_bot=bool(user.get("bot"))),
    }
    if member is not None:
        found["target_rights"] = rights_of(discord.Permissions(int(member.get("permissions") or 0)))
        found["target_outranks_sender"] = _outranks_by_roles(guild, target_id, member.get("roles") or [], sender)
    return found


def _outranks_by_roles(guild: discord.Guild | None, target_id: str, role_ids: list[str], sender: Any) -> bool | None:
    if guild is None or not isinstance(sender, discord.Member):
        return None
    if int(target_id) == guild.owner_id:
        return True
    if sender.id == guild.owner_id:
        return False
    roles = [role for role in (guild.get_role(int(role_id)) for role_id in role_ids) if role is not None]
    top = max(roles, default=guild.default_role)
    return top >= sender.top_role


def home_of(guild: discord.Guild) -> Address:
    """Where server-wide events (joins, leaves, the bot's membership) are addressed: the system channel."""
    channel = guild.system_channel
    return Address(DISCORD, str(channel.id if channel is not None else guild.id))


def member_joined(member: discord.Member) -> MemberJoined:
    joined = member.joined_at or discord.utils.utcnow()
    return MemberJoined(
        update_id=f"discord:join:{member.guild.id}:{member.id}:{int(joined.timestamp())}",
        address=home_of(member.guild),
        at=joined,
        sender=person_of(member),
        chat_kind=ChatKind.GROUP,
        chat_title=member.guild.name,
        member=person_of(member),
    )


def member_left(guild: discord.Guild, user: discord.abc.User, at: datetime) -> MemberLeft:
    return MemberLeft(
        update_id=f"discord:leave:{guild.id}:{user.id}:{int(at.timestamp())}",
        address=home_of(guild),
        at=at,
        sender=person_of(user),
        chat_kind=ChatKind.GROUP,
        chat_title=guild.name,
        member=person_of(user),
    )


def bot_membership(guild: discord.Guild, status: str, at: datetime) -> BotMembershipChanged:
    rights = rights_of(guild.me.guild_permissions) if status != "left" and guild.me is not None else frozenset()
    return BotMembershipChanged(
        update_id=f"discord:guild:{guild.id}:{status}:{int(at.timestamp())}",
        address=home_of(guild),
        at=at,
        chat_kind=ChatKind.GROUP,
        chat_title=guild.name,
        bot_rights=rights,
        status=status,
    )
