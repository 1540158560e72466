"""Who may do what in a Telegram group: the admin list, cached, and events completed with it.

`getChatAdministrators` answers for the whole chat at once, so one call per chat
per `ttl` (and again after the bot's own membership or an admin changes) gives
every group event its `sender_rights` and `bot_rights`, and every command its
`target_rights` and `target_outranks_sender`.

Anonymous admins post as the group itself. Which admin it was is hidden, so such
a post gets the rights every anonymous admin of the chat has in common: never
more than the least of them may do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberOwner

from bot.adapters.telegram_parse import BotIdentity, rights_of
from bot.clock import Clock
from bot.events import (
    ButtonPressed,
    ChatKind,
    Command,
    Event,
    MemberJoined,
    Message,
    Right,
)

log = logging.getLogger("bot.adapters.telegram")


@dataclass(frozen=True, slots=True)
class ChatAdmins:
    """A chat's administrators: their rights by user id, the owner, and the anonymous ones' common rights."""

    rights: Mapping[str, frozenset[Right]] = field(default_factory=dict)
    owner_id: str | None = None
    anonymous: frozenset[Right] = frozenset()

    @classmethod
    def from_members(cls, members: Sequence[ChatMember]) -> ChatAdmins:
        rights: dict[str, frozenset[Right]] = {}
        owner_id: str | None = None
        anonymous: list[frozenset[Right]] = []
        for member in members:
            user_id = str(member.user.id)
            rights[user_id] = rights_of(member)
            if isinstance(member, ChatMemberOwner):
                owner_id = user_id
            if isinstance(member, ChatMemberOwner | ChatMemberAdministrator) and member.is_anonymous:
                anonymous.append(rights[user_id])
        common = frozenset.intersection(*anonymous) if anonymous else frozenset({Right.ADMIN})
        return cls(rights, owner_id, common | {Right.ADMIN})

    def of(self, user_id: str) -> frozenset[Right]:
        return self.rights.get(user_id, frozenset())

    def is_admin(self, user_id: str) -> bool:
        return bool(self.rights.get(user_id))


def with_rights(event: Event, admins: ChatAdmins, me: BotIdentity) -> Event:
    """`event` with the rights Telegram grants in its chat filled in (a pure function)."""
    if event.chat_kind is not ChatKind.GROUP or not isinstance(event, Message | Command | ButtonPressed | MemberJoined):
        return event
    chat_id = event.address.chat_id
    sender_id = event.sender.user_id if event.sender else None
    anonymous_admin = sender_id == chat_id
    sender_rights = admins.anonymous if anonymous_admin else admins.of(sender_id or "")
    changes: dict[str, object] = {"sender_rights": sender_rights, "bot_rights": admins.of(me.user_id)}
    if isinstance(event, Command) and event.target is not None:
        target_id = event.target.user_id
        changes["target_rights"] = admins.of(target_id)
        changes["target_outranks_sender"] = _outranks(admins, target_id, sender_id)
    return dataclasses.replace(event, **changes)  # type: ignore[arg-type]


def _outranks(admins: ChatAdmins, target_id: str, sender_id: str | None) -> bool:
    """Telegram's hierarchy is flat: the owner is above everyone, every admin above members.

    Only the owner may act on an admin (an anonymous post might be the owner's, but
    we cannot know, so it may not).
    """
    if target_id == admins.owner_id:
        return True
    if admins.is_admin(target_id):
        return sender_id != admins.owner_id
    return False


FetchAdmins = Callable[[str], Awaitable[Sequence[ChatMember]]]


class AdminCache:
    """`getChatAdministrators` per chat, kept for `ttl_seconds`; concurrent askers share one call."""

    def __init__(self, fetch: FetchAdmins, clock: Clock, ttl_seconds: float) -> None:
        self._fetch = fetch
        self._clock = clock
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, ChatAdmins]] = {}
        self._pending: dict[str, asyncio.Task[ChatAdmins]] = {}

    async def get(self, chat_id: str) -> ChatAdmins | None:
        """The chat's admins, or None when Telegram could not say (rights stay unknown then)."""
        now = self._clock.now().timestamp()
        entry = self._entries.get(chat_id)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        task = self._pending.get(chat_id)
        if task is None:
            task = asyncio.ensure_future(self._load(chat_id))
            self._pending[chat_id] = task
            task.add_done_callback(lambda _: self._pending.pop(chat_id, None))
        try:
            admins = await asyncio.shield(task)
        except Exception as exc:
            log.warning("telegram admins unknown", extra={"chat": chat_id, "error": str(exc)[:200]})
            return entry[1] if entry is not None else None
        self._entries[chat_id] = (now, admins)
        return admins

    async def _load(self, chat_id: str) -> ChatAdmins:
        return ChatAdmins.from_members(await self._fetch(chat_id))

    def forget(self, chat_id: str) -> None:
        self._entries.pop(chat_id, None)
