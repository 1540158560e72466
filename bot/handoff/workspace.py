"""The staff workspace: where agents see a ticket, and how posts about it get there.

With topics (a Telegram forum supergroup or a Discord channel) each ticket gets its
own topic/thread: `OpenThread(ref="ticket:<id>")`, and when `ThreadOpened` comes
back the card and any customer messages that arrived meanwhile are posted into it.
Without topics (or when no topic appeared within `topic_wait_minutes`) the card is
posted in the staff chat itself and agents reply to it. Every post carries a ref
(`ticket:<id>:card|msg|alert`); its `Delivered` id is remembered, so an agent's reply
to any of the bot's posts reaches the right ticket. Views staff ask for (`ticket:<id>:view`:
a transcript, a revealed message) carry the ticket's ref too, so an erasure finds them,
but are not remembered: a reply to one is talk among staff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict as dataclass_dict
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from bot.actions import Action, Button, Mention, OpenThread, Send
from bot.config import Settings
from bot.events import (
    Address,
    ButtonPressed,
    Command,
    Delivered,
    Event,
    Media,
    Message,
    ThreadOpened,
    TimerFired,
)
from bot.handlers.context import Context, Outcome
from bot.handoff.card import (
    CardFacts,
    EarlierTicket,
    Line,
    render_card,
    topic_title,
    what_the_bot_tried,
)
from bot.handoff.hours import BusinessHours
from bot.storage.models import Ticket, TranscriptLine

TOPIC_WAIT = "handoff.topic_wait"
HIDDEN = "hidden"  # the outcome of a transcript line staff read only on request (`bot.handoff.shield`)
# The ref kind of a staff view of a ticket (a transcript, a history, a revealed message): it
# lets an erasure find the view wherever it was asked for, but replying to it reaches nobody.
VIEW = "view"
TAKE_PREFIX = "handoff:take:"
_CARD_LINES = 6
_EARLIER = 3


# ---- settings as the handoff uses them ----------------------------------------------------


def staff_chat(settings: Settings) -> Address | None:
    if not settings.handoff.staff_chat:
        return None
    platform, _, chat_id = settings.handoff.staff_chat.partition(":")
    return Address(platform, chat_id)


def is_staff_chat(address: Address, settings: Settings) -> bool:
    staff = staff_chat(settings)
    return staff is not None and address.chat_key == staff.chat_key


def staff_language(settings: Settings) -> str:
    return settings.handoff.staff_language or settings.default_language


@lru_cache(maxsize=8)
def _hours(
    zone: str, weekly: tuple[tuple[str, str], ...], holidays: tuple[object, ...]
) -> BusinessHours:
    return BusinessHours.parse(zone, dict(weekly), holidays)  # type: ignore[arg-type]


def business_hours(settings: Settings) -> BusinessHours:
    handoff = settings.handoff
    return _hours(
        settings.timezone, tuple(sorted(handoff.business_hours.items())), tuple(handoff.holidays)
    )


# ---- addresses and refs -----------------------------------------------------------------


def customer_address(ticket: Ticket) -> Address:
    return Address(ticket.customer_platform, ticket.customer_chat_id)


def staff_root(ticket: Ticket) -> Address:
    return Address(ticket.staff_platform, ticket.staff_chat_id)


def ref(ticket_id: int, kind: str = "") -> str:
    return f"ticket:{ticket_id}:{kind}" if kind else f"ticket:{ticket_id}"


def parse_ref(value: str) -> tuple[int, str] | None:
    parts = value.split(":")
    if len(parts) not in (2, 3) or parts[0] != "ticket" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2] if len(parts) == 3 else ""


def place(ticket: Ticket) -> Address | None:
    """Where posts about the ticket go; None while its topic is still being opened."""
    if ticket.workspace == "topic":
        return (
            staff_root(ticket).in_thread(ticket.staff_thread_id) if ticket.staff_thread_id else None
        )
    return staff_root(ticket)


def post(
    ticket: Ticket,
    text: str,
    *,
    buttons: tuple[Button, ...] = (),
    kind: str = "msg",
    named: Named | None = None,
    media: Media | None = None,
) -> list[Action]:
    """A post in the ticket's topic, or in the staff chat as a reply to its card.

    `named` is staff named in `text` (see `name_staff`), linked so they are notified;
    `media` a file posted with `text` as its caption.
    """
    where = place(ticket)
    if where is None:
        return []  # the card posted when the topic opens will show it
    if ticket.workspace == "card":
        text = f"#{ticket.id} · {text}"
        return [
            Send(
                address=where,
                text=text,
                buttons=buttons,
                reply_to=ticket.card_message_id,
                ref=ref(ticket.id, kind),
                mentions=named.mentions_in(text) if named else (),
                media=media,
            )
        ]
    return [
        Send(
            address=where,
            text=text,
            buttons=buttons,
            ref=ref(ticket.id, kind),
            mentions=named.mentions_in(text) if named else (),
            media=media,
        )
    ]


def customer_label(ticket: Ticket) -> str:
    return ticket.customer_name or (
        f"@{ticket.customer_username}" if ticket.customer_username else "?"
    )


def customer_post(ticket: Ticket, text: str, ctx: Context, *, edited: bool = False) -> str:
    """How a customer's message looks in the workspace (masked unless configured otherwise)."""
    shown = ctx.mask(text) if ctx.settings.handoff.mask_staff_chat else text
    marker = "✏️ " if edited else ""
    return f"👤 {customer_label(ticket)}: {marker}{shown}"


# ---- people ------------------------------------------------------------------------------


async def display_name(ctx: Context, person_key: str) -> str:
    """Someone's name for people to read; never a bare `telegram:123` key."""
    platform, _, user_id = person_key.partition(":")
    record = await ctx.tx.people.get(platform, user_id)
    if record is not None and record.name:
        return record.name
    if record is not None and record.username:
        return f"@{record.username}"
    return ctx.t(
        "handoff.unknown_person",
        staff_language(ctx.settings),
        id=user_id,
        platform=platform.capitalize(),
    )


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else name


@dataclass(frozen=True, slots=True)
class Named:
    """Staff named in a post: the text to show, and which stretches of it link a person.

    `links` are (user id, offset, length) within `text`; `mentions_in` places them
    in the message the text ends up in.
    """

    text: str = ""
    links: tuple[tuple[str, int, int], ...] = ()

    def mentions_in(self, message: str) -> tuple[Mention, ...]:
        start = message.rfind(self.text) if self.links else -1
        if start < 0:
            return ()
        return tuple(Mention(user_id, start + offset, length) for user_id, offset, length in self.links)


async def name_staff(
    ctx: Context, keys: Iterable[str], *, platform: str, role: str, separator: str = " "
) -> Named:
    """Name staff in the staff chat on `platform` so that each is notified.

    Discord: `<@id>`. A stored username: `@username` (Telegram links it itself).
    Otherwise their stored name, or the role's word for someone the bot has never
    seen, linked to their user id (a Telegram text mention). People on another
    platform cannot be notified from there and are left out.
    """
    wanted = list(dict.fromkeys(key for key in keys if key.startswith(f"{platform}:")))
    fallback = ctx.t(f"handoff.role_{role}", staff_language(ctx.settings))
    labels: list[tuple[str, str | None]] = []
    unnamed = 0
    for key in wanted:
        user_id = key.partition(":")[2]
        record = await ctx.tx.people.get(platform, user_id)
        if platform == "discord":
            labels.append((f"<@{user_id}>", None))
        elif record is not None and record.username:
            labels.append((f"@{record.username}", None))
        elif record is not None and record.name:
            labels.append((record.name, user_id))
        else:
            unnamed += 1
            labels.append(("", user_id))
    parts: list[str] = []
    links: list[tuple[str, int, int]] = []
    position = 0
    number = 0
    for label, linked in labels:
        if not label:
            number += 1
            label = f"{fallback} {number}" if unnamed > 1 else fallback
        if parts:
            position += len(separator)
        if linked is not None and platform == "telegram":
            links.append((linked, position, len(label)))
        parts.append(label)
        position += len(label)
    return Named(separator.join(parts), tuple(links))


# ---- hidden messages ---------------------------------------------------------------------------


def hidden_label(ticket_id: int | None, number: int | None, ctx: Context) -> str:
    """The placeholder staff see; numbered within its ticket, so `/reveal #<id> <n>` finds it."""
    language = staff_language(ctx.settings)
    if ticket_id is None or number is None:
        return ctx.t("handoff.hidden_message_unnumbered", language)
    return ctx.t("handoff.hidden_message", language, id=ticket_id, n=number)


def shown_texts(lines: Sequence[TranscriptLine], ctx: Context) -> dict[int, str]:
    """By line id, the text staff see without asking: a hidden line as its placeholder.

    `lines` must be a whole ticket's transcript in order (the numbering counts from its start);
    lines of no ticket get an unnumbered placeholder.
    """
    shown: dict[int, str] = {}
    numbers: dict[int | None, int] = {}
    for line in lines:
        if line.outcome == HIDDEN:
            numbers[line.ticket_id] = numbers.get(line.ticket_id, 0) + 1
            number = numbers[line.ticket_id] if line.ticket_id is not None else None
            shown[line.id] = hidden_label(line.ticket_id, number, ctx)
        else:
            shown[line.id] = line.text
    return shown


# ---- the card ------------------------------------------------------------------------------


def _as_line(line: TranscriptLine, shown: dict[int, str]) -> Line:
    text = shown.get(line.id, line.text)
    return Line(line.at, line.author, text, line.direction, line.outcome, line.sop_entry_id)


async def card_text(ticket: Ticket, ctx: Context, *, upto: int | None) -> tuple[str, Named]:
    everything = await ctx.tx.tickets.transcript(ticket.id)
    shown = shown_texts(everything, ctx)
    lines = [line for line in everything if line.text and (upto is None or line.id <= upto)]
    earlier = [
        EarlierTicket(other.id, other.opened_at, other.status, other.close_reason, other.csat_score)
        for other in await ctx.tx.tickets.for_customer(ticket.customer_key, limit=_EARLIER + 1)
        if other.id != ticket.id
    ][:_EARLIER]
    facts = CardFacts(
        ticket_id=ticket.id,
        customer_name=ticket.customer_name or "",
        customer_username=ticket.customer_username,
        platform=ticket.customer_platform,
        language=ticket.language,
        reason=ticket.reason,
        team=ticket.team,
        workspace=ticket.workspace,
        tried=what_the_bot_tried([_as_line(line, shown) for line in lines]),
        last_lines=tuple(_as_line(line, shown) for line in lines[-_CARD_LINES:]),
        earlier=tuple(earlier),
        reopened=ticket.reopen_count > 0,
        note_prefix=ctx.settings.handoff.note_prefix,
    )
    text = render_card(facts, ctx.t, staff_language(ctx.settings), ctx.settings.zone)
    members = ctx.settings.handoff.teams.get(ticket.team or "", ())
    named = await name_staff(ctx, members, platform=ticket.staff_platform, role="agent")
    if named.text:
        text += "\n" + ctx.t(
            "handoff.card_team_ping",
            staff_language(ctx.settings),
            team=ticket.team,
            mentions=named.text,
        )
    return text, named


def take_button(ticket: Ticket, ctx: Context) -> tuple[Button, ...]:
    if ticket.assignee_key:
        return ()
    return (
        Button(
            ctx.t("handoff.button_take", staff_language(ctx.settings)), f"{TAKE_PREFIX}{ticket.id}"
        ),
    )


async def open_place(ticket: Ticket, ctx: Context) -> list[Action]:
    """Start the ticket's place in the workspace: a topic to be opened, or the card itself."""
    ticket.card_mark = await ctx.tx.tickets.last_line_id(customer_address(ticket).chat_key)
    if ticket.workspace == "topic":
        ticket.staff_thread_id = None
        due = ctx.now + timedelta(minutes=ctx.settings.handoff.topic_wait_minutes)
        await ctx.tx.timers.schedule(
            TOPIC_WAIT, ref(ticket.id), due, staff_root(ticket), {"ticket": ticket.id}
        )
        title = topic_title(
            ticket.id,
            customer_label(ticket),
            ticket.customer_platform,
            reopened=ticket.reopen_count > 0,
        )
        return [OpenThread(address=staff_root(ticket), title=title, ref=ref(ticket.id))]
    text, named = await card_text(ticket, ctx, upto=ticket.card_mark)
    return [
        Send(
            address=staff_root(ticket),
            text=text,
            buttons=take_button(ticket, ctx),
            ref=ref(ticket.id, "card"),
            mentions=named.mentions_in(text),
        )
    ]


async def _card_and_meanwhile(ticket: Ticket, ctx: Context, where: Address) -> list[Action]:
    card, named = await card_text(ticket, ctx, upto=ticket.card_mark)
    actions: list[Action] = [
        Send(
            address=where,
            text=card,
            buttons=take_button(ticket, ctx),
            ref=ref(ticket.id, "card"),
            mentions=named.mentions_in(card),
        )
    ]
    if ticket.card_mark is not None:
        everything = await ctx.tx.tickets.transcript(ticket.id)
        shown = shown_texts(everything, ctx)
        for line in everything:
            if line.id > ticket.card_mark and line.author == "customer" and line.text:
                # Already masked when stored; shown as the customer wrote it otherwise.
                text = f"👤 {customer_label(ticket)}: {shown[line.id]}"
                files = files_of(line) if line.outcome != HIDDEN else ()
                if not files:
                    actions.append(Send(address=where, text=text, ref=ref(ticket.id, "msg")))
                for index, media in enumerate(files):
                    caption = text if index == 0 else f"👤 {customer_label(ticket)}"
                    actions.append(
                        Send(address=where, text=caption, ref=ref(ticket.id, "media"), media=media)
                    )
    ticket.card_mark = await ctx.tx.tickets.last_line_id(customer_address(ticket).chat_key)
    return actions


async def on_thread_opened(event: ThreadOpened, ctx: Context) -> Outcome | None:
    parsed = parse_ref(event.ref)
    if parsed is None or parsed[1]:
        return None
    ticket = await ctx.tx.tickets.get(parsed[0])
    if ticket is None:
        return Outcome.done("topic_for_unknown_ticket")
    ticket.workspace = "topic"
    ticket.staff_thread_id = event.address.thread_id
    ticket.updated_at = ctx.now
    await ctx.tx.timers.cancel(TOPIC_WAIT, ref(ticket.id))
    return Outcome.done("topic_opened", *await _card_and_meanwhile(ticket, ctx, event.address))


async def on_topic_wait(event: TimerFired, ctx: Context) -> Outcome:
    """No topic appeared in time (not a forum, no rights): post the card in the staff chat instead."""
    ticket = await ctx.tx.tickets.get(int(event.payload.get("ticket", 0)))
    if ticket is None or ticket.staff_thread_id is not None or ticket.workspace != "topic":
        return Outcome.done("topic_wait_ok")
    ticket.workspace = "card"
    ticket.updated_at = ctx.now
    return Outcome.done(
        "topic_fallback_card", *await _card_and_meanwhile(ticket, ctx, staff_root(ticket))
    )


async def on_delivered(event: Delivered, ctx: Context) -> Outcome | None:
    parsed = parse_ref(event.ref)
    if parsed is None or not parsed[1]:
        return None
    if parsed[1] == VIEW:
        return Outcome.done("staff_view_delivered")
    if not is_staff_chat(event.address, ctx.settings):
        return Outcome.done(f"customer_{parsed[1]}_delivered")  # a file that reached the customer
    ticket_id, kind = parsed
    await ctx.tx.tickets.remember_staff_message(event.address, event.message_id, ticket_id, ctx.now)
    if kind == "card":
        ticket = await ctx.tx.tickets.get(ticket_id)
        if ticket is not None and event.address.thread_id == (
            ticket.staff_thread_id if ticket.workspace == "topic" else None
        ):
            ticket.card_message_id = event.message_id
    return Outcome.done(f"staff_post_{kind}")


async def ticket_for(event: Event, ctx: Context) -> Ticket | None:
    """The ticket a staff-chat event is about: its topic, or the bot post it replies to."""
    if event.address.thread_id:
        ticket = await ctx.tx.tickets.by_thread(event.address)
        if ticket is not None:
            return ticket
    reply_to = event.reply_to if isinstance(event, Message | Command) else None
    if reply_to is not None:
        return await ctx.tx.tickets.by_staff_message(event.address, reply_to.message_id)
    if isinstance(event, ButtonPressed) and event.message_id:
        return await ctx.tx.tickets.by_staff_message(event.address, event.message_id)
    return None


# ---- files ------------------------------------------------------------------------------------


def files_record(files: Sequence[Media]) -> dict[str, object] | None:
    """How a message's files are kept on its transcript line (to be relayed later)."""
    if not files:
        return None
    return {"files": [dataclass_dict(media) for media in files]}


def files_of(line: TranscriptLine) -> tuple[Media, ...]:
    stored = line.attachment or {}
    return tuple(Media(**item) for item in stored.get("files") or [])


def media_label(ctx: Context, kind: str, language: str) -> str:
    """"📷 photo", "🎤 voice message", ...: a file's kind in words."""
    key = f"handoff.media_{kind}"
    return ctx.t(key if key in ctx.texts else "handoff.media_other", language)


# ---- the customer's side -------------------------------------------------------------------


async def say_to_customer(
    ticket: Ticket,
    ctx: Context,
    text: str,
    *,
    buttons: tuple[Button, ...] = (),
    author: str = "bot",
    author_key: str | None = None,
    stored: str | None = None,
    media: Media | None = None,
) -> Send:
    """A message to the ticket's customer on their own platform, also kept in the ticket's transcript.

    With `media` the file goes with `text` as its caption; if it cannot reach them, they get
    the words alone and the team is told (`bot.handoff.undelivered`).
    """
    address = customer_address(ticket)
    await ctx.tx.transcripts.add(
        chat_key=address.chat_key,
        person_key=ticket.customer_key,
        direction="out",
        author=author,
        author_key=author_key,
        text=ctx.mask(stored if stored is not None else text),
        at=ctx.now,
        ticket_id=ticket.id,
        attachment=files_record([media] if media else []),
    )
    return Send(
        address=address,
        text=text,
        buttons=buttons,
        media=media,
        ref=ref(ticket.id, "media") if media else None,
    )
