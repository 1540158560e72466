"""When members joined: stored for every worker, cached so a group message costs no query.

The newcomer-links rule needs the sender's join time on every group message. The
database is the source of truth (a restart, or another worker behind the same bot,
still knows who is new); `JoinTimes` sits in front of it. A member's time is read once
per process, on their first message here (a batch's unknown senders in one query),
and remembered, their absence too; after that their messages cost nothing. A member
who joins through another worker after this one remembered them (a rejoin) is picked
up by the chat's refresh: at most every `revalidate`, one query reads the joins other
workers stored since the last one. Only joins within the chat's newcomer window
matter, so a timer per chat prunes the older rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.events import Address, MemberJoined, TimerFired
from bot.handlers.context import Context, Outcome
from bot.storage import Tx

if TYPE_CHECKING:
    from bot.groupmod.service import ModerationService

PRUNE_JOINS = "moderation.joins_prune"
_MAX_MEMBERS = 200_000
_MAX_CHATS = 50_000
# Joins stored this long before a refresh are read again by it: a transaction still open
# at the last refresh, or another worker's clock a little behind ours, loses nothing.
_OVERLAP = timedelta(minutes=1)

Member = tuple[str, str]  # (chat key, user id)


def _chat(address: Address) -> Address:
    return Address(address.platform, address.chat_id)


class JoinTimes:
    """This process's cache of members' join times (None: no join within the window stored)."""

    def __init__(self, revalidate: timedelta) -> None:
        self._revalidate = revalidate
        self._known: OrderedDict[Member, datetime | None] = OrderedDict()
        self._refreshed: OrderedDict[str, datetime] = OrderedDict()

    def noted(self, address: Address, user_id: str, joined_at: datetime) -> None:
        """A join this process stored itself."""
        self._remember((address.chat_key, user_id), joined_at)

    async def joined_at(
        self, tx: Tx, address: Address, user_id: str, now: datetime
    ) -> datetime | None:
        """When the member joined the chat, if that is stored; a query only the first time."""
        await self._refresh(tx, address, now)
        member = (address.chat_key, user_id)
        if member not in self._known:
            await self._load(tx, [(address, user_id)])
        return self._known.get(member)

    async def prefetch(self, tx: Tx, members: Iterable[tuple[Address, str]], now: datetime) -> None:
        """Read the join times of a batch's senders this process does not know, in one query."""
        unknown: dict[Member, tuple[Address, str]] = {}
        for address, user_id in members:
            await self._refresh(tx, address, now)
            member = (address.chat_key, user_id)
            if member not in self._known:
                unknown[member] = (address, user_id)
        if unknown:
            await self._load(tx, list(unknown.values()))

    async def _load(self, tx: Tx, members: list[tuple[Address, str]]) -> None:
        found = await tx.moderation.join_times([(_chat(a), user) for a, user in members])
        for address, user_id in members:
            member = (address.chat_key, user_id)
            self._remember(member, found.get(member))

    async def _refresh(self, tx: Tx, address: Address, now: datetime) -> None:
        """Every `revalidate`, learn the chat's joins that other workers stored meanwhile."""
        key = address.chat_key
        last = self._refreshed.get(key)
        if last is None:  # the first look at this chat: members are read as they write
            self._refreshed[key] = now
            if len(self._refreshed) > _MAX_CHATS:
                self._refreshed.popitem(last=False)
            return
        if now - last < self._revalidate:
            return
        self._refreshed[key] = now
        self._refreshed.move_to_end(key)
        for user_id, joined_at in await tx.moderation.joins_noted_since(
            _chat(address), last - _OVERLAP
        ):
            self._remember((key, user_id), joined_at)

    def _remember(self, member: Member, joined_at: datetime | None) -> None:
        self._known[member] = joined_at
        self._known.move_to_end(member)
        if len(self._known) > _MAX_MEMBERS:
            self._known.popitem(last=False)


async def record_join(event: MemberJoined, ctx: Context, service: ModerationService) -> None:
    """Store the join for every worker, and make sure the chat's pruning timer is set."""
    chat = _chat(event.address)
    user_id = event.member.user_id
    await ctx.tx.moderation.note_join(chat, user_id, event.at, ctx.now)
    service.joins.noted(chat, user_id, event.at)
    if await ctx.tx.timers.pending(PRUNE_JOINS, chat.chat_key) is None:
        setup = await service.setup(ctx.tx, chat, ctx.now)
        due = ctx.now + setup.policy.newcomer_links.within
        await ctx.tx.timers.schedule(PRUNE_JOINS, chat.chat_key, due, chat)


async def prune(event: TimerFired, ctx: Context, service: ModerationService) -> Outcome:
    """Forget joins older than the chat's newcomer window; come back when the oldest left ages out."""
    chat = _chat(event.address)
    within = (await service.setup(ctx.tx, chat, ctx.now)).policy.newcomer_links.within
    oldest = await ctx.tx.moderation.prune_joins(chat, ctx.now - within)
    if oldest is not None:
        await ctx.tx.timers.schedule(PRUNE_JOINS, chat.chat_key, oldest + within, chat)
    return Outcome.done("moderation:joins_pruned")
