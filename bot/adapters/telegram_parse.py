"""Telegram updates as neutral events: pure functions of the update, tested on captured JSON.

`parse(raw, me, received_at)` reads the Bot API's JSON; `parse_update` the same
as python-telegram-bot objects. Nothing here does I/O: rights, which need
`getChatAdministrators`, are added afterwards (`telegram_rights.with_rights`).

Choices worth knowing:
- `update_id` is `telegram:<update_id>`, so a redelivered update is recognised; a
  group migration is `telegram:migrate:<old>:<new>` because Telegram announces it
  twice (in the old group and in the new supergroup).
- In forum supergroups `address.thread_id` is the topic; the General topic and
  ordinary groups have none. Telegram marks every topic message as a reply to the
  topic's first message; that is not a reply a person made, so it is dropped.
- An anonymous admin posts as the group itself (`sender_chat` is the chat): the
  sender is then the chat (`user_id` = chat id), and the rights step treats it as
  one of the chat's anonymous admins.
- A command addressed to another bot (`/start@OtherBot`) is not ours: no event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberUpdated,
    Message,
    MessageEntity,
    Update,
    User,
)

from bot.adapters.incoming import MAX_DATA, MAX_NAME, TELEGRAM_MAX_TEXT, clean_text
from bot.adapters.text import parse_command
from bot.events import (
    Address,
    BotMembershipChanged,
    ButtonPressed,
    ChatKind,
    ChatMigrated,
    Command,
    Event,
    Media,
    MemberJoined,
    MemberLeft,
    MessageRef,
    Person,
    Platform,
    Right,
)
from bot.events import Message as MessageEvent

TELEGRAM = Platform.TELEGRAM.value
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",  # only to notice admins changing (the bot must be an admin to get these)
)
_MEDIA_KINDS = (
    "photo", "video", "animation", "document", "sticker", "voice", "audio", "video_note",
    "location", "venue", "contact", "poll", "dice", "story", "game", "invoice",
)
_BOT_MEMBERSHIP = {
    "creator": "admin",
    "administrator": "admin",
    "member": "member",
    "restricted": "restricted",
    "left": "left",
    "kicked": "kicked",
}
_USER_ID = re.compile(r"^\d{5,}$")
_MAX_LANGUAGE = 16


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is, from `getMe`: needed to read `/cmd@name` and joins of the bot itself."""

    user_id: str
    username: str


def parse(raw: Mapping[str, Any], me: BotIdentity, received_at: datetime) -> list[Event]:
    """The events in one Bot API update (JSON as Telegram sends it)."""
    return parse_update(Update.de_json(dict(raw), None), me, received_at)


def parse_update(update: Update, me: BotIdentity, received_at: datetime) -> list[Event]:
    """The events in one update. `received_at` dates events Telegram does not date (button presses)."""
    update_id = f"telegram:{update.update_id}"
    if update.callback_query is not None:
        return _button(update_id, update.callback_query, received_at)
    if update.my_chat_member is not None:
        return [_bot_membership(update_id, update.my_chat_member)]
    if update.message is not None or update.channel_post is not None:
        message = update.message or update.channel_post
        assert message is not None
        return _message(update_id, message, me, edited=False)
    if update.edited_message is not None or update.edited_channel_post is not None:
        message = update.edited_message or update.edited_channel_post
        assert message is not None
        return _message(update_id, message, me, edited=True)
    return []


def chat_kind_of(chat: Chat) -> ChatKind:
    if chat.type == Chat.PRIVATE:
        return ChatKind.PRIVATE
    if chat.type == Chat.CHANNEL:
        return ChatKind.CHANNEL
    return ChatKind.GROUP


def person_of(user: User) -> Person:
    return Person(
        TELEGRAM,
        str(user.id),
        name=clean_text(user.full_name, MAX_NAME),
        username=_short(user.username, MAX_NAME),
        language=_short(user.language_code, _MAX_LANGUAGE),
        is_bot=user.is_bot,
    )


def chat_as_person(chat: Chat) -> Person:
    """A chat that speaks: an anonymous admin (the group itself) or a channel posting in a group."""
    name = clean_text(chat.title or chat.effective_name or "", MAX_NAME)
    return Person(TELEGRAM, str(chat.id), name=name, username=_short(chat.username, MAX_NAME))


def _short(value: str | None, limit: int) -> str | None:
    """An optional platform string, cut and cleaned like any incoming text."""
    return clean_text(value, limit) if value is not None else None


def _text_of(message: Message) -> str:
    """A message's text or caption, cut to what Telegram allows (a forged update may hold more)."""
    return clean_text(message.text or message.caption or "", TELEGRAM_MAX_TEXT)


def sender_of(message: Message) -> Person | None:
    if message.sender_chat is not None:
        return chat_as_person(message.sender_chat)
    if message.from_user is not None:
        return person_of(message.from_user)
    return None


def address_of(message: Message) -> Address:
    thread = str(message.message_thread_id) if message.is_topic_message and message.message_thread_id else None
    return Address(TELEGRAM, str(message.chat.id), thread)


def _common(update_id: str, message: Message, at: datetime) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "address": address_of(message),
        "at": at,
        "sender": sender_of(message),
        "chat_kind": chat_kind_of(message.chat),
        "chat_title": _short(message.chat.title, MAX_NAME),
    }


def _message(update_id: str, message: Message, me: BotIdentity, *, edited: bool) -> list[Event]:
    at = (message.edit_date if edited else None) or message.date
    common = _common(update_id, message, at)
    chat_id = str(message.chat.id)
    if message.migrate_to_chat_id:
        return [_migrated(common, chat_id, str(message.migrate_to_chat_id))]
    if message.migrate_from_chat_id:
        return [_migrated(common, str(message.migrate_from_chat_id), chat_id)]
    if message.new_chat_members:
        joined = [user for user in message.new_chat_members if str(user.id) != me.user_id]
        return [
            MemberJoined(**{**common, "update_id": _nth(update_id, n), "sender": person_of(user)},
                         member=person_of(user), message_id=str(message.message_id))
            for n, user in enumerate(joined)
        ]
    if message.left_chat_member is not None:
        if str(message.left_chat_member.id) == me.user_id:
            return []  # the bot's own departure arrives as my_chat_member
        member = person_of(message.left_chat_member)
        return [MemberLeft(**{**common, "sender": member}, member=member)]
    text = _text_of(message)
    media = next((kind for kind in _MEDIA_KINDS if getattr(message, kind, None)), None)
    if not text and media is None:
        return []  # a service message we do not act on (pins, title changes, topics opened)
    reply_to = _reply_ref(message)
    if message.text and not edited:
        typed = parse_command(text)
        if typed is not None and _is_command_entity(message):
            if typed.addressee and typed.addressee.lower() != me.username.lower():
                return []  # meant for another bot in the group
            return [_command(common, message, typed.name, typed.args, reply_to)]
    return [
        MessageEvent(
            **common,
            message_id=str(message.message_id),
            text=text,
            reply_to=reply_to,
            edited=edited,
            media=media,
            links=_links(message),
            mentions=_mentions(message),
            forwarded=message.forward_origin is not None,
            attachments=_attachments(message, media),
        )
    ]


_FILE_KINDS = ("video", "animation", "document", "sticker", "voice", "audio", "video_note")


def _attachments(message: Message, kind: str | None) -> tuple[Media, ...]:
    """The file of a media message, by its `file_id` (the same bot may send it anywhere)."""
    if kind == "photo" and message.photo:
        largest = message.photo[-1]
        return (Media("photo", TELEGRAM, largest.file_id, size=largest.file_size, mime_type="image/jpeg"),)
    if kind not in _FILE_KINDS:
        return ()  # a location, a contact, a poll: no file to pass on
    found: Any = getattr(message, kind)
    return (
        Media(
            kind,
            TELEGRAM,
            found.file_id,
            file_name=getattr(found, "file_name", None),
            mime_type=getattr(found, "mime_type", None),
            size=getattr(found, "file_size", None),
        ),
    )


def _nth(update_id: str, n: int) -> str:
    return update_id if n == 0 else f"{update_id}:{n}"


def _migrated(common: dict[str, Any], old_chat_id: str, new_chat_id: str) -> ChatMigrated:
    return ChatMigrated(
        **{**common, "update_id": f"telegram:migrate:{old_chat_id}:{new_chat_id}",
           "address": Address(TELEGRAM, old_chat_id)},
        new_chat_id=new_chat_id,
    )


def _is_command_entity(message: Message) -> bool:
    return any(e.type == MessageEntity.BOT_COMMAND and e.offset == 0 for e in message.entities) or not message.entities


def _reply_ref(message: Message) -> MessageRef | None:
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None  # in a topic, "reply to the topic's first message" is how Telegram files it
    return MessageRef(
        message_id=str(replied.message_id),
        sender=sender_of(replied),
        text=_text_of(replied),
        at=replied.date,
    )


def _command(
    common: dict[str, Any], message: Message, name: str, args: tuple[str, ...], reply_to: MessageRef | None
) -> Command:
    target = reply_to.sender if reply_to is not None else None
    if target is None and args:
        target = _target_in_first_argument(message, args[0])
        if target is not None:
            args = args[1:]
    return Command(**common, name=name, args=args, message_id=str(message.message_id), reply_to=reply_to,
                   target=target)


def _target_in_first_argument(message: Message, first: str) -> Person | None:
    """A user named in the first argument: a text mention (with its user) or a numeric id.

    `@username` is left in the arguments: only stored people can say whose it is.
    """
    for entity, text in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
        if text == first and entity.user is not None:
            return person_of(entity.user)
    if _USER_ID.match(first):
        return Person(TELEGRAM, first)
    return None


def _links(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    kinds: list[str | None] = [MessageEntity.URL, MessageEntity.TEXT_LINK]
    entities = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    for entity, text in entities.items():
        found.append(entity.url if entity.type == MessageEntity.TEXT_LINK and entity.url else text)
    return tuple(found)


def _mentions(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    entities = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
    for entity, text in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            found.append(str(entity.user.id))
        else:
            found.append(text.lstrip("@"))
    return tuple(found)


def _button(update_id: str, query: CallbackQuery, received_at: datetime) -> list[Event]:
    message = query.message
    if message is None or query.data is None:
        return []  # inline-mode or game callbacks: not ours
    if isinstance(message, Message):
        address = address_of(message)
    else:  # too old to read: we still know the chat
        address = Address(TELEGRAM, str(message.chat.id))
    return [
        ButtonPressed(
            update_id=update_id,
            address=address,
            at=received_at,
            sender=person_of(query.from_user),
            chat_kind=chat_kind_of(message.chat),
            chat_title=_short(message.chat.title, MAX_NAME),
            data=clean_text(query.data, MAX_DATA),
            message_id=str(message.message_id),
        )
    ]


ALL_RIGHTS = frozenset(Right)


def rights_of(member: ChatMember) -> frozenset[Right]:
    """Telegram's admin flags as neutral rights. Restricting and banning are one right there."""
    if isinstance(member, ChatMemberOwner):
        return ALL_RIGHTS
    if not isinstance(member, ChatMemberAdministrator):
        return frozenset()
    rights = {Right.ADMIN}
    if member.can_delete_messages:
        rights.add(Right.DELETE_MESSAGES)
    if member.can_restrict_members:
        rights |= {Right.RESTRICT_MEMBERS, Right.BAN_MEMBERS}
    if member.can_change_info:
        rights.add(Right.MANAGE_CHAT)
    if member.can_manage_topics:
        rights.add(Right.MANAGE_TOPICS)
    return frozenset(rights)


def _bot_membership(update_id: str, change: ChatMemberUpdated) -> BotMembershipChanged:
    member = change.new_chat_member
    return BotMembershipChanged(
        update_id=update_id,
        address=Address(TELEGRAM, str(change.chat.id)),
        at=change.date,
        sender=person_of(change.from_user),
        chat_kind=chat_kind_of(change.chat),
        chat_title=_short(change.chat.title, MAX_NAME),
        bot_rights=rights_of(member),
        status=_BOT_MEMBERSHIP.get(member.status, member.status),
    )
