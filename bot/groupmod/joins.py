"""When members joined: stored for every worker, known in memory so a message costs no query.

The newcomer-links rule needs the sender's join time on every group message. The
database is the source of truth (a restart, or another worker behind the same bot,
still knows who is new), and it holds only recent joins: a timer per chat prunes those
older than the chat's newcomer window. That keeps the whole set small, so each process
holds all of it: `JoinTimes` loads every stored join on first use, then, at most once
per `poll` (a second) and only while group messages arrive, asks for the joins any
worker stored since its last look: one small indexed query, whatever the number of
chats or members. A member who is not in the set did not join recently, so a message
never waits for a query of its own, and a join through another worker counts here
within the poll interval.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.events import Address, MemberJoined, TimerFired
from bot.handlers.context import Context, Outcome
from bot.storage import Tx

if TYPE_CHECKING:
    from bot.groupmod.service import ModerationService

PRUNE_JOINS = "moderation.joins_prune"
DEFAULT_POLL = timedelta(seconds=1)
_MAX_MEMBERS = 200_000
# Joins stored this long before the last look are read again: a transaction that was still
# open then, or another worker's clock a little behind ours, loses nothing.
_OVERLAP = timedelta(seconds=10)

Member = tuple[str, str]  # (chat key, user id)


def _chat(address: Address) -> Address:
    return Address(address.platform, address.chat_id)


class JoinTimes:
    """Every recent join, as this process knows it: loaded once, then kept up to date."""

    def __init__(self, poll: timedelta = DEFAULT_POLL) -> None:
        self._poll = poll
        self._joined: OrderedDict[Member, datetime] = OrderedDict()
        self._looked_at: datetime | None = None

    def noted(self, address: Address, user_id: str, joined_at: datetime) -> None:
        """A join this process is storing itself."""
        self._remember((address.chat_key, user_id), joined_at)

    async def catch_up(self, tx: Tx, now: datetime) -> None:
        """Learn the joins stored since the last look (every stored join, the first time);
        at most once per `poll`."""
        last = self._looked_at
        if last is not None and now - last < self._poll:
            return
        self._looked_at = now
        since = None if last is None else last - _OVERLAP
        for platform, chat_id, user_id, joined_at in await tx.moderation.joins_noted_since(since):
            self._remember((f"{platform}:{chat_id}", user_id), joined_at)

    async def joined_at(
        self, tx: Tx, address: Address, user_id: str, now: datetime
    ) -> datetime | None:
        """When the member last joined the chat, if that is recent enough to be stored."""
        await self.catch_up(tx, now)
        return self._joined.get((address.chat_key, user_id))

    def _remember(self, member: Member, joined_at: datetime) -> None:
        known = self._joined.get(member)
        if known is not None and known >= joined_at:
            return  # an older join read again (the overlap) never hides a newer one
        self._joined[member] = joined_at
        self._joined.move_to_end(member)
        if len(self._joined) > _MAX_MEMBERS:
            self._joined.popitem(last=False)


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
