"""Neutral actions: what the core asks the platforms to do.

Each action carries a full `Address`, so an action caused by a Telegram staff
topic may target a WhatsApp customer. Actions are stored in the outbox as JSON
(`to_record` / `from_record`) in the same transaction as the state change that
caused them; the sender delivers them later.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events import Address, Media


@dataclass(frozen=True, slots=True)
class Button:
    """A reply button. `data` comes back in `ButtonPressed.data`; `url` makes it a link button."""

    label: str
    data: str = ""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """`length` characters of a `Send`'s text, from `offset`, name the person `user_id` of the
    platform the text goes to, so the platform links and notifies them (a Telegram text
    mention, for someone without a username). Offsets count characters of the whole text."""

    user_id: str
    offset: int
    length: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    address: Address

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class Send(Action):
    """Send a text. `ref` asks the sender to report the platform message id back (`Delivered`).

    `delete_after` (seconds) makes the adapter delete the message later, for short
    notices in groups. `fallback_template` names a WhatsApp template to use outside the
    24-hour customer-service window. `mentions` link people named in the text.
    `media` sends that file with `text` as its caption (a platform that cannot carry
    it fails the action, and the core falls back to words).
    """

    text: str
    buttons: tuple[Button, ...] = ()
    reply_to: str | None = None
    ref: str | None = None
    delete_after: int | None = None
    fallback_template: str | None = None
    mentions: tuple[Mention, ...] = ()
    media: Media | None = None


DELETE_AFTER_TIMER = "outbox.delete_after"
"""Timer kind the outbox sender schedules for `Send.delete_after`; it comes back as a `Delete`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delete(Action):
    message_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Restrict(Action):
    """Mute a member until `until` (None: until lifted)."""

    user_id: str
    until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unrestrict(Action):
    user_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ban(Action):
    """Ban a member until `until` (None: for good); `delete_message_seconds` clears recent messages."""

    user_id: str
    until: datetime | None = None
    delete_message_seconds: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Unban(Action):
    user_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Kick(Action):
    """Remove a member who may join again."""

    user_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenThread(Action):
    """Open a forum topic or thread in `address.chat_id`; the result comes back as `ThreadOpened(ref)`."""

    title: str
    ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseThread(Action):
    """Close (archive) the topic or thread at `address.thread_id`, optionally renaming it."""

    title: str | None = None


ACTION_KINDS: dict[str, type[Action]] = {
    cls.__name__: cls
    for cls in (Send, Delete, Restrict, Unrestrict, Ban, Unban, Kick, OpenThread, CloseThread)
}


def to_record(action: Action) -> dict[str, Any]:
    """A JSON-safe dict for the outbox; `from_record` turns it back into the same action."""
    record: dict[str, Any] = {"kind": action.kind}
    for f in dataclasses.fields(action):
        value = getattr(action, f.name)
        if isinstance(value, Address):
            value = [value.platform, value.chat_id, value.thread_id]
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif f.name == "buttons":
            value = [[b.label, b.data, b.url] for b in value]
        elif f.name == "mentions":
            value = [[m.user_id, m.offset, m.length] for m in value]
        elif isinstance(value, Media):
            value = dataclasses.asdict(value)
        record[f.name] = value
    return record


def from_record(record: dict[str, Any]) -> Action:
    data = dict(record)
    cls = ACTION_KINDS[data.pop("kind")]
    platform, chat_id, thread_id = data.pop("address")
    data["address"] = Address(platform, chat_id, thread_id)
    if data.get("until"):
        data["until"] = datetime.fromisoformat(data["until"])
    if "buttons" in data:
        data["buttons"] = tuple(Button(label, d, url) for label, d, url in data["buttons"])
    if "mentions" in data:
        data["mentions"] = tuple(Mention(str(u), int(o), int(n)) for u, o, n in data["mentions"])
    if data.get("media"):
        data["media"] = Media(**data["media"])
    return cls(**data)
