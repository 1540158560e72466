"""Neutral events: what the core hears, whatever platform it came from.

Adapters build these from platform updates; handlers never see a platform object.
Every event carries a full `Address` and a platform-unique `update_id`, which the
core stores so that the same update delivered twice is handled once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"
    WHATSAPP = "whatsapp"
    CONSOLE = "console"


class ChatKind(StrEnum):
    PRIVATE = "private"  # one customer and the bot (Telegram private chat, Discord DM, WhatsApp)
    GROUP = "group"  # a group, supergroup or guild channel
    CHANNEL = "channel"  # broadcast channel; the bot only reads


class Right(StrEnum):
    """Platform rights, named once so handlers can check them without knowing the platform.

    Adapters map Telegram's `ChatMemberAdministrator.can_*` flags and Discord's
    permissions onto these.
    """

    ADMIN = "admin"  # any chat administrator (Telegram admin, Discord administrator)
    DELETE_MESSAGES = "delete_messages"
    RESTRICT_MEMBERS = "restrict_members"  # mute / timeout
    BAN_MEMBERS = "ban_members"
    MANAGE_CHAT = "manage_chat"  # change settings, topics, threads
    MANAGE_TOPICS = "manage_topics"


@dataclass(frozen=True, slots=True)
class Address:
    """Where something happened or should happen: a chat on a platform, optionally a thread."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    @property
    def chat_key(self) -> str:
        """Stable key of the chat, ignoring the thread (`telegram:-100123`)."""
        return f"{self.platform}:{self.chat_id}"

    def in_thread(self, thread_id: str | None) -> Address:
        return Address(self.platform, self.chat_id, thread_id)

    def __str__(self) -> str:
        suffix = f"/{self.thread_id}" if self.thread_id else ""
        return f"{self.platform}:{self.chat_id}{suffix}"


@dataclass(frozen=True, slots=True)
class Person:
    """Someone on a platform. `language` is what the platform reports (`id`, `en-US`), if anything."""

    platform: str
    user_id: str
    name: str = ""
    username: str | None = None
    language: str | None = None
    is_bot: bool = False

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def mention(self) -> str:
        return f"@{self.username}" if self.username else (self.name or self.user_id)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message another event points at (the message an admin replied to, for example)."""

    message_id: str
    sender: Person | None = None
    text: str = ""
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """A file someone sent, named the way the platform that holds it names it.

    Enough to send it on: by reference on the same platform (a Telegram `file_id`,
    a WhatsApp media id), or fetched and uploaded again elsewhere. `url` is a public
    address where the platform gives one (Discord's CDN). `kind` is one of photo,
    video, animation, document, voice, audio, sticker, video_note.
    """

    kind: str
    platform: str
    file_id: str
    url: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Fields every event has.

    `sender_rights` is what the platform says the sender may do in this chat
    (None when the adapter did not look it up); `bot_rights` likewise for the bot.
    """

    update_id: str
    address: Address
    at: datetime
    sender: Person | None = None
    chat_kind: ChatKind = ChatKind.PRIVATE
    chat_title: str | None = None
    sender_rights: frozenset[Right] | None = None
    bot_rights: frozenset[Right] | None = None

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(Event):
    """A text (or media) message; `edited` is set when a message was changed after sending.

    `media` names the kind of a non-text message (also a location or a poll, which
    carry no file); `attachments` are its files, when the platform gives them, and
    `text` is then their caption.
    """

    message_id: str
    text: str = ""
    reply_to: MessageRef | None = None
    edited: bool = False
    media: str | None = None  # "photo", "sticker", "voice", ... when the message is not only text
    links: tuple[str, ...] = ()  # URLs the platform marked up (hidden text links included)
    mentions: tuple[str, ...] = ()  # user ids or usernames mentioned
    forwarded: bool = False
    attachments: tuple[Media, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Command(Event):
    """`/name args` typed in a chat, or a Discord slash command.

    `target` is whom the command is about: the author of the replied-to message,
    a mentioned user or a slash-command user option, resolved by the adapter. A
    target given as the first argument (`/ban @budi spam`) is taken out of `args`.
    `target_outranks_sender` is the platform's hierarchy: True when the sender may
    not act on the target there (a Telegram chat admin or owner, a Discord member
    whose top role is not below the sender's); None when unknown.
    """

    name: str
    args: tuple[str, ...] = ()
    message_id: str | None = None
    reply_to: MessageRef | None = None
    target: Person | None = None
    target_rights: frozenset[Right] | None = None
    target_outranks_sender: bool | None = None

    @property
    def arg_text(self) -> str:
        return " ".join(self.args)


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(Event):
    """A reply button was pressed (Telegram callback, Discord component, WhatsApp button/list reply).

    On platforms without buttons the adapter turns a typed number into this event.
    """

    data: str
    message_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """Someone joined a group; `message_id` is the platform's join notice, when there is one."""

    member: Person
    message_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    member: Person


@dataclass(frozen=True, slots=True, kw_only=True)
class BotMembershipChanged(Event):
    """The bot was added, promoted, restricted or removed; `status` is member/admin/left/kicked."""

    status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMigrated(Event):
    """A Telegram group became a supergroup: `address` is the old chat, `new_chat_id` the new one."""

    new_chat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryStatus(Event):
    """A platform's report on a message we sent (WhatsApp sent/delivered/read/failed)."""

    message_id: str
    status: str
    error: str | None = None
    callback_data: str | None = None  # what we attached when sending (WhatsApp biz_opaque_callback_data)


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadOpened(Event):
    """An `OpenThread` action was carried out; `address.thread_id` is the new thread.

    Emitted by the outbox sender so the core can remember which thread belongs to `ref`.
    """

    ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivered(Event):
    """A `Send` with a `ref` was delivered; `message_id` is the platform's id for it."""

    ref: str
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFailed(Event):
    """An action from the outbox was not carried out as asked, and never will be.

    Emitted by the outbox sender (and by the WhatsApp adapter when a sent message
    fails later) so a capability can tell the person who caused it, e.g. an agent:
    "not delivered: outside WhatsApp's 24-hour window". `address` is where the
    action was meant to go. `reason` is one of `REASONS`; `detail` is the
    platform's own words. `substitute` names what was sent instead, if anything
    (`template:<name>` outside the WhatsApp window). `cause` is the update id of
    the event whose handling produced the action.
    """

    REASONS = (
        "outside_window",  # WhatsApp: more than 24 hours since the customer last wrote
        "unreachable",  # the person blocked the bot, left, or cannot receive messages
        "rejected",  # the platform refused the action (bad request, missing rights)
        "unsupported",  # the platform cannot do this at all (a ban on WhatsApp)
        "gave_up",  # retried up to the bound without success
        "rate_limited",  # the platform kept asking us to wait for longer than `outbox.max_rate_limited_hours`
    )

    action_kind: str
    reason: str
    detail: str = ""
    ref: str | None = None
    text: str = ""
    substitute: str | None = None
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SendingPaused(Event):
    """The outbox stopped sending on `address.platform` because the platform refused our token
    (`detail` says how), or, with `resumed`, sends again. Emitted by the sender so owners hear it."""

    detail: str = ""
    resumed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerFired(Event):
    """A timer a handler scheduled earlier came due (mute expiry, SLA check, ...)."""

    timer_kind: str
    key: str
    payload: dict[str, Any] = field(default_factory=dict)


AnyEvent = (
    Message
    | Command
    | ButtonPressed
    | MemberJoined
    | MemberLeft
    | BotMembershipChanged
    | ChatMigrated
    | DeliveryStatus
    | ThreadOpened
    | Delivered
    | DeliveryFailed
    | SendingPaused
    | TimerFired
)
