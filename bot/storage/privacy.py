"""Erasing a person's data on request, and purging old transcripts after the retention period.

An erasure must leave no trace of the person (`strings` over the SQLite file and its
WAL finds none of their name, number, words or files) while the reports stay true.
Every table, column by column:

- `people`: the row is deleted (its `user_id` is a WhatsApp number; `username` is how
  staff are named in mentions). `staff_roles` and `agent_status` rows of the person go
  too; `granted_by` naming them becomes `erased`.
- `transcript`: lines of their chats keep direction, author kind, time, ticket,
  outcome (`hidden` for an insult kept from the team, `blocked` for what they wrote
  while paused, `csat_comment`) and SOP entry (the counts of the reports) but lose
  `text`, `chat_key`, `person_key`, `author_key` and `attachment` (the files sent
  either way: a WhatsApp media id, a Telegram file id, a file name); lines they wrote
  elsewhere as staff lose `author_key`.
- `conversations` (with `pending_options`, the choices last offered them, labelled
  with the SOP questions closest to their words), `timers` of their chats,
  `ticket_staff_messages` of their tickets, `delivery_statuses` of their chats (with
  `callback_data`: the outbox key, which holds their WhatsApp message id) and the
  `whatsapp_contacts` row (its `choices` too): deleted (nothing anonymous is left in
  them). After `/forgetme` the contact row stays, without its choices, until the
  goodbye message is delivered, because WhatsApp's 24-hour window is read from it;
  then it goes (`finish_erasure`).
- `tickets`: keep times, status, reason, team, agent, score, reopen count and
  `blocked_until` (when a pause ended: a time); lose the customer's key, chat, name,
  username, close reason and CSAT comment. `ticket_events` of those tickets lose
  `detail` (a note, a close reason, a pause's reason, a hidden message's number), and
  every `actor_key`, `assignee_key`, `closed_by` and `blocked_by` naming the person
  becomes `erased` (closing the ticket on request is itself an event "by" them; a
  supervisor who paused someone is named in `blocked_by`).
- `ticket_ratings`: kept. A rating is a ticket, the closing it rates, a score and a
  time; the comment lives on the ticket and in the transcript, and goes with them.
- `outbox`, whatever the rows' status: every row to their chats (their files and the
  agents' files to them, by id, with captions), every row about their tickets
  (`ticket:<id>`, `ticket:<id>:…`: the topic it opened, whose title is their name,
  the card, relayed messages and files, alerts naming them; and the staff views
  `ticket:<id>:view`, a `/transcript`, `/history` or revealed insult, wherever they
  were asked for), everything in any topic their tickets had (a reopened ticket gets
  a new one; a `/transcript` answer or the closing title stays in the first), and any
  other delivered message that quotes them (their name, username, id or one of their
  messages: `/queue` replies to agents). The attempt records (`claimed_by`, a process;
  `attempt_started_at`, a time) name nobody.
- `sop_gaps`: a question is counted by its fingerprint, which is its words (asked in
  another language too: outcome `other_language`): it stays only while another
  customer's message in the transcript asked the same, counting less and showing that
  customer's wording if the example was theirs.
- `sop_drafts`, `moderation_settings`, moderation cases and appeals: where the person
  acted (proposed, reviewed, moderated, decided), their key becomes `erased`.
- Moderation records about the person are kept, except the display name of a case:
  a member cannot wipe their own warnings and bans by asking (Red-DiscordBot keeps
  mod cases against user requests the same way); the case log names them by id.
- `processed_updates`: holds digests of update ids, not the ids (a WhatsApp message id
  carries the sender's number in base64), so a redelivered webhook is still skipped
  after the erasure and nothing there names anyone. `shared_state` (the SOP
  generation, a paused platform's refusal and times, the erasure count), `chats`
  (groups only) and `moderation_captchas` (minutes long) hold nothing of a customer.
- `moderation_member_joins`: when they joined a group (for the newcomer-links rule):
  deleted; the sweeper prunes them after the newcomer window anyway.
- The erasure writes no new row naming the person: the only record kept is an
  anonymous count in `shared_state`.

SQLite connections run with `secure_delete` on, so deleted and overwritten content is
zeroed in the file; the store checkpoints the WAL after an erasure (`erased`), so
older copies of the pages leave the `-wal` file too.

The retention purge (`purge_before`) removes what was said and sent before a cutoff the
same way, for everyone: transcript lines (with their files), delivered outbox rows,
staff-chat message links, delivery statuses, conversation states, WhatsApp contacts who
last wrote before it and gaps last asked before it; resolved tickets lose names, close
reasons, comments and their events' details. Who the customers are (`people`, a
ticket's customer key) stays until they ask to be erased; so do ratings and ticket steps.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Text, and_, cast, delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sop.improvement import gap_fingerprint
from bot.storage.models import (
    AgentStatusChange,
    ChatMessageId,
    ChatModeration,
    ConversationState,
    DeliveryStatusRecord,
    MemberJoin,
    ModerationAppeal,
    ModerationCase,
    OutboxItem,
    PersonRecord,
    SharedState,
    SopDraft,
    SopGap,
    StaffMessage,
    StaffRole,
    Ticket,
    TicketEvent,
    Timer,
    TranscriptLine,
    WhatsAppContact,
)
from bot.storage.sql import dialect_insert

ERASED = "erased"
ERASURE_COUNT = "privacy.erasures"
_FINISHED = ("sent", "failed", "skipped")
# Quoted text shorter than this ("ok", "halo kak") is too common to mark a message as theirs.
_QUOTE_MIN_CHARS = 12
_ID_MIN_CHARS = 5
_NAME_MIN_CHARS = 4


@dataclass(frozen=True, slots=True)
class Erasure:
    transcript_lines: int
    tickets: int
    outbox_rows: int


@dataclass(frozen=True, slots=True)
class _Footprint:
    """What identifies the person, read before any of it is erased."""

    person_key: str
    chats: frozenset[tuple[str, str]]
    tickets: tuple[Ticket, ...]
    names: frozenset[str]
    said: tuple[str, ...]  # their own messages as stored (masked)
    since: datetime | None  # when they first left a trace

    @property
    def chat_keys(self) -> set[str]:
        return {f"{platform}:{chat_id}" for platform, chat_id in self.chats}


class PrivacyRepo:
    def __init__(self, session: AsyncSession, forget_cached: Callable[[], None] = lambda: None) -> None:
        self._session = session
        self._forget_cached = forget_cached  # erasing rows behind other repositories' backs
        self.erased = False  # set when rows were erased: the store then clears the WAL

    async def erase_person(
        self, platform: str, user_id: str, now: datetime, *, keep_contact: bool = False
    ) -> Erasure:
        """Erase everything that identifies the person (see the module docstring).

        `keep_contact` keeps the WhatsApp contact row (its 24-hour window) for a goodbye
        message still to be sent; `finish_erasure` removes it once that went.
        """
        self._forget_cached()
        self.erased = True
        found = await self._footprint(platform, user_id)
        await self._forget_gaps(found)
        outbox_rows = await self._forget_messages(found)
        lines = await self._anonymise_transcript(found)
        await self._anonymise_tickets(found, now)
        await self._forget_chats(found, platform, user_id, keep_contact=keep_contact)
        await self._forget_person(found, platform, user_id)
        await self._count_erasure(now)
        return Erasure(lines, len(found.tickets), outbox_rows)

    async def finish_erasure(self, platform: str, chat_id: str, key_prefix: str) -> None:
        """After the goodbye message to an erased person went (or failed): remove it and what
        delivering it left (the contact row, delivery statuses), and give the outbox rows
        written with it keys that no longer carry the update id (a WhatsApp message id
        holds the sender's number)."""
        self._forget_cached()
        self.erased = True
        await self._session.execute(
            delete(OutboxItem).where(
                OutboxItem.platform == platform,
                OutboxItem.chat_id == chat_id,
                OutboxItem.status.in_(_FINISHED),
            )
        )
        # The message numbers of their chat (its id is theirs on Telegram).
        await self._session.execute(
            delete(ChatMessageId).where(ChatMessageId.platform == platform, ChatMessageId.chat_id == chat_id)
        )
        rows = await self._session.execute(
            select(OutboxItem.id, OutboxItem.key).where(
                OutboxItem.key.startswith(f"{key_prefix}#", autoescape=True)
            )
        )
        anonymous = uuid.uuid4().hex
        for row_id, key in rows.all():
            await self._session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row_id)
                .values(key=f"{ERASED}:{anonymous}#{key.rsplit('#', 1)[1]}")
            )
        came_back = await self._session.scalar(
            select(PersonRecord.id).where(PersonRecord.platform == platform, PersonRecord.user_id == chat_id)
        )
        if came_back is None:  # they did not write again meanwhile
            await self._session.execute(
                delete(DeliveryStatusRecord).where(
                    DeliveryStatusRecord.platform == platform, DeliveryStatusRecord.chat_id == chat_id
                )
            )
            if platform == "whatsapp":
                await self._session.execute(delete(WhatsAppContact).where(WhatsAppContact.wa_id == chat_id))

    # ---- what identifies them ---------------------------------------------------------------

    async def _footprint(self, platform: str, user_id: str) -> _Footprint:
        person_key = f"{platform}:{user_id}"
        tickets = tuple(
            (await self._session.execute(select(Ticket).where(Ticket.customer_key == person_key))).scalars()
        )
        # Their private chats: from tickets, and from the transcript (a Discord DM has its own id).
        chats = {(platform, user_id)} | {(t.customer_platform, t.customer_chat_id) for t in tickets}
        spoken_in = await self._session.execute(
            select(TranscriptLine.chat_key).where(TranscriptLine.person_key == person_key).distinct()
        )
        for key in spoken_in.scalars():
            chat_platform, _, chat_id = key.partition(":")
            chats.add((chat_platform, chat_id))
        person = (
            await self._session.execute(
                select(PersonRecord).where(PersonRecord.platform == platform, PersonRecord.user_id == user_id)
            )
        ).scalar_one_or_none()
        names = {t.customer_name for t in tickets} | {t.customer_username for t in tickets}
        if person is not None:
            names |= {person.name, person.username}
        said = await self._session.execute(
            select(TranscriptLine.text).where(
                TranscriptLine.person_key == person_key, TranscriptLine.author == "customer"
            )
        )
        moments = [t.opened_at for t in tickets] + ([person.first_seen] if person is not None else [])
        first_line = await self._session.scalar(
            select(TranscriptLine.at).where(TranscriptLine.person_key == person_key).order_by(TranscriptLine.at)
        )
        if first_line is not None:
            moments.append(first_line)
        return _Footprint(
            person_key=person_key,
            chats=frozenset(chats),
            tickets=tickets,
            names=frozenset(name for name in names if name and name.strip()),
            said=tuple(dict.fromkeys(text for text in said.scalars() if text.strip())),
            since=min(moments) if moments else None,
        )

    # ---- table by table ---------------------------------------------------------------------

    async def _forget_gaps(self, found: _Footprint) -> None:
        """Questions the SOP missed are counted by fingerprint (their words, sorted): a gap
        stays only while another customer's message in the transcript asked the same."""
        asked: dict[str, set[str]] = {}
        for text in found.said:
            asked.setdefault(gap_fingerprint(text), set()).add(text[:1000])
        if not asked:
            return
        gaps = await self._session.execute(select(SopGap).where(SopGap.fingerprint.in_(list(asked))))
        for gap in gaps.scalars():
            theirs = asked[gap.fingerprint]
            others = await self._others_asking(gap.fingerprint, found.person_key)
            if not others:
                await self._session.delete(gap)
                continue
            # Each message counts at most twice: when the SOP missed it and when it went to a person.
            gap.count = max(len(others), gap.count - 2 * len(theirs))
            if gap.example in theirs:
                gap.example = others[-1][:1000]

    async def _others_asking(self, fingerprint: str, person_key: str) -> list[str]:
        """Other customers' messages with this fingerprint, oldest first."""
        words = fingerprint.split()
        if not words:
            return []
        rarest = max(words, key=len)
        rows = await self._session.execute(
            select(TranscriptLine.text)
            .where(
                TranscriptLine.author == "customer",
                TranscriptLine.person_key.not_in([person_key, ERASED]),
                func.lower(TranscriptLine.text).contains(rarest, autoescape=True),
            )
            .order_by(TranscriptLine.id)
        )
        return [text for text in rows.scalars() if gap_fingerprint(text) == fingerprint]

    async def _forget_messages(self, found: _Footprint) -> int:
        """Outbox rows that went to them, about their tickets, or quoting them."""
        doomed: set[int] = set()
        for chat_platform, chat_id in found.chats:
            rows = await self._session.execute(
                select(OutboxItem.id).where(OutboxItem.platform == chat_platform, OutboxItem.chat_id == chat_id)
            )
            doomed.update(rows.scalars())
        doomed.update(await self._posts_about(found.tickets))
        quoted = _quoting(found)
        if quoted is not None:
            # Only rows done with: a common name must not cost another customer a pending reply.
            query = select(OutboxItem.id).where(
                quoted, OutboxItem.status.in_(_FINISHED), OutboxItem.unreported.is_(False)
            )
            if found.since is not None:
                query = query.where(OutboxItem.created_at >= found.since)
            doomed.update((await self._session.execute(query)).scalars())
        ids = sorted(doomed)
        for start in range(0, len(ids), 500):
            await self._session.execute(delete(OutboxItem).where(OutboxItem.id.in_(ids[start : start + 500])))
        return len(ids)

    async def _posts_about(self, tickets: Sequence[Ticket]) -> set[int]:
        """Posts about the tickets, whatever their status: every row carrying one's ref (its
        topic, card, posts, alerts and files, and staff views of it wherever they were asked
        for: a transcript, a revealed message), and everything in any topic one had (a
        reopened ticket gets a new one; the earlier ones still hold what was said there).
        One pass over the outbox for all of them."""
        if not tickets:
            return set()
        own_refs = [f"ticket:{ticket.id}" for ticket in tickets]
        ref = OutboxItem.payload["ref"].as_string()
        opened = await self._session.execute(
            select(OutboxItem.platform, OutboxItem.chat_id, OutboxItem.result).where(
                OutboxItem.kind == "OpenThread", OutboxItem.result.is_not(None), ref.in_(own_refs)
            )
        )
        topics: dict[tuple[str, str], set[str]] = {}
        for platform, chat_id, thread in opened.all():
            topics.setdefault((platform, chat_id), set()).add(str(thread))
        for ticket in tickets:
            if ticket.staff_thread_id is not None:
                topics.setdefault((ticket.staff_platform, ticket.staff_chat_id), set()).add(ticket.staff_thread_id)
        thread = OutboxItem.payload[("address", 2)].as_string()
        about = or_(
            ref.in_(own_refs),
            *(ref.startswith(f"{own}:", autoescape=True) for own in own_refs),
            *(
                and_(OutboxItem.platform == platform, OutboxItem.chat_id == chat_id, thread.in_(sorted(threads)))
                for (platform, chat_id), threads in topics.items()
            ),
        )
        return set((await self._session.execute(select(OutboxItem.id).where(about))).scalars())

    async def _anonymise_transcript(self, found: _Footprint) -> int:
        lines = await self._session.execute(
            update(TranscriptLine)
            .where(
                (TranscriptLine.person_key == found.person_key)
                | TranscriptLine.chat_key.in_(found.chat_keys)
            )
            .values(text="", person_key=ERASED, chat_key=ERASED, author_key=None, attachment=None)
        )
        await self._session.execute(
            update(TranscriptLine).where(TranscriptLine.author_key == found.person_key).values(author_key=None)
        )
        return int(lines.rowcount)  # type: ignore[attr-defined]

    async def _anonymise_tickets(self, found: _Footprint, now: datetime) -> None:
        ticket_ids = [ticket.id for ticket in found.tickets]
        for ticket in found.tickets:
            ticket.customer_key = ERASED
            ticket.customer_chat_id = ""
            ticket.customer_name = None
            ticket.customer_username = None
            ticket.csat_comment = None
            ticket.close_reason = None
            ticket.updated_at = now
        if ticket_ids:
            await self._session.execute(
                update(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids)).values(detail=None)
            )
            await self._session.execute(delete(StaffMessage).where(StaffMessage.ticket_id.in_(ticket_ids)))
        key = found.person_key
        for column in (TicketEvent.actor_key, Ticket.assignee_key, Ticket.closed_by, Ticket.blocked_by):
            await self._session.execute(
                update(column.class_).where(column == key).values({column.key: ERASED})
            )

    async def _forget_chats(
        self, found: _Footprint, platform: str, user_id: str, *, keep_contact: bool
    ) -> None:
        await self._session.execute(
            delete(ConversationState).where(
                (ConversationState.person_key == found.person_key)
                | ConversationState.chat_key.in_(found.chat_keys)
            )
        )
        for chat_platform, chat_id in found.chats:
            await self._session.execute(
                delete(Timer).where(Timer.platform == chat_platform, Timer.chat_id == chat_id)
            )
            await self._session.execute(
                delete(DeliveryStatusRecord).where(
                    DeliveryStatusRecord.platform == chat_platform, DeliveryStatusRecord.chat_id == chat_id
                )
            )
            await self._session.execute(
                delete(ChatMessageId).where(ChatMessageId.platform == chat_platform, ChatMessageId.chat_id == chat_id)
            )
        wa_ids = [chat_id for chat_platform, chat_id in found.chats if chat_platform == "whatsapp"]
        if wa_ids and keep_contact and platform == "whatsapp":
            await self._session.execute(
                update(WhatsAppContact)
                .where(WhatsAppContact.wa_id == user_id)
                .values(choices=None, choices_at=None)
            )
            wa_ids.remove(user_id)
        if wa_ids:
            await self._session.execute(delete(WhatsAppContact).where(WhatsAppContact.wa_id.in_(wa_ids)))

    async def _forget_person(self, found: _Footprint, platform: str, user_id: str) -> None:
        await self._session.execute(
            delete(PersonRecord).where(PersonRecord.platform == platform, PersonRecord.user_id == user_id)
        )
        await self._session.execute(
            delete(StaffRole).where(StaffRole.platform == platform, StaffRole.user_id == user_id)
        )
        await self._session.execute(delete(AgentStatusChange).where(AgentStatusChange.person_key == found.person_key))
        await self._session.execute(
            delete(MemberJoin).where(MemberJoin.platform == platform, MemberJoin.user_id == user_id)
        )
        key = found.person_key
        for column in (
            StaffRole.granted_by,
            SopDraft.proposed_by,
            SopDraft.reviewed_by,
            ChatModeration.updated_by,
            ModerationCase.moderator_key,
            ModerationCase.revoked_by,
            ModerationAppeal.decided_by,
        ):
            await self._session.execute(update(column.class_).where(column == key).values({column.key: ERASED}))
        await self._session.execute(
            update(ModerationCase).where(ModerationCase.user_key == key).values(user_name=None)
        )

    async def _count_erasure(self, now: datetime) -> None:
        await self._session.execute(
            dialect_insert(self._session, SharedState)
            .values(key=ERASURE_COUNT, value={"count": 0}, updated_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        state = await self._session.get(SharedState, ERASURE_COUNT, with_for_update=True, populate_existing=True)
        assert state is not None
        state.value = {"count": int(state.value.get("count", 0)) + 1}
        state.updated_at = now

    # ---- retention --------------------------------------------------------------------------

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete what customers wrote and were sent before `cutoff`; keep anonymous ticket facts.

        Transcript lines (with their files), delivered messages and the staff-chat messages
        that led to tickets go; resolved tickets lose names, close reason and comment, and
        their events' details; so do the copies elsewhere: delivery statuses (a WhatsApp
        number, callback data), conversation states (the last question, the options shown),
        WhatsApp contacts who last wrote before it, and unanswered questions last asked
        before it (a gap asked since shows that later wording). Ratings stay.
        """
        self._forget_cached()
        self.erased = True
        lines = await self._session.execute(
            delete(TranscriptLine).where(TranscriptLine.at < cutoff)
        )
        await self._session.execute(
            delete(OutboxItem).where(
                OutboxItem.status.in_(_FINISHED), OutboxItem.created_at < cutoff
            )
        )
        await self._session.execute(delete(StaffMessage).where(StaffMessage.at < cutoff))
        old_tickets = select(Ticket.id).where(
            Ticket.resolved_at.is_not(None), Ticket.resolved_at < cutoff
        )
        await self._session.execute(
            update(TicketEvent).where(TicketEvent.ticket_id.in_(old_tickets)).values(detail=None)
        )
        await self._session.execute(
            update(Ticket)
            .where(Ticket.resolved_at.is_not(None), Ticket.resolved_at < cutoff)
            .values(
                csat_comment=None, close_reason=None, customer_name=None, customer_username=None
            )
        )
        await self._session.execute(
            delete(DeliveryStatusRecord).where(DeliveryStatusRecord.updated_at < cutoff)
        )
        await self._session.execute(
            delete(ConversationState).where(ConversationState.updated_at < cutoff)
        )
        await self._session.execute(
            delete(WhatsAppContact).where(
                or_(WhatsAppContact.last_inbound_at.is_(None), WhatsAppContact.last_inbound_at < cutoff),
                or_(WhatsAppContact.choices_at.is_(None), WhatsAppContact.choices_at < cutoff),
            )
        )
        await self._session.execute(delete(SopGap).where(SopGap.last_at < cutoff))
        return int(lines.rowcount)  # type: ignore[attr-defined]


def _quoting(found: _Footprint) -> ColumnElement[bool] | None:
    """Outbox payloads (stored as JSON text) that contain the person's name, id or words."""
    user_id = found.person_key.partition(":")[2]
    needles = {name for name in found.names if len(name.strip()) >= _NAME_MIN_CHARS}
    if len(user_id) >= _ID_MIN_CHARS:
        needles.add(user_id)
    needles.update(text for text in found.said if len(text.strip()) >= _QUOTE_MIN_CHARS)
    if not needles:
        return None
    payload = cast(OutboxItem.payload, Text)
    return or_(false(), *(payload.contains(_as_json(needle), autoescape=True) for needle in sorted(needles)))


def _as_json(text: str) -> str:
    """How `text` appears inside a JSON document as SQLAlchemy stores it (non-ASCII escaped)."""
    return json.dumps(text)[1:-1]
