"""The ticket card agents see first: who the customer is, what the bot tried, what was said.

Pure: `render_card(facts, t, language, zone)` turns facts gathered by the shell into
text in the staff's language. Transcript text arrives already masked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

Translate = Callable[..., str]

PLATFORM_NAMES = {
    "telegram": "Telegram",
    "discord": "Discord",
    "whatsapp": "WhatsApp",
    "console": "Console",
}
_QUESTION_OUTCOMES = ("answer", "clarify", "no_match", "choice")
_MAX_QUOTE = 160


@dataclass(frozen=True, slots=True)
class Line:
    """A transcript line as the card needs it."""

    at: datetime
    author: str  # customer | bot | agent
    text: str
    direction: str = "in"
    outcome: str | None = None
    sop_entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class Tried:
    """One customer question and what the bot did with it."""

    question: str
    outcome: str  # answer | clarify | no_match | choice
    entry_id: str | None


@dataclass(frozen=True, slots=True)
class EarlierTicket:
    id: int
    opened_at: datetime
    status: str
    close_reason: str | None
    csat_score: int | None


@dataclass(frozen=True, slots=True)
class CardFacts:
    ticket_id: int
    customer_name: str
    customer_username: str | None
    platform: str
    language: str
    reason: str
    team: str | None
    workspace: str  # topic | card
    tried: tuple[Tried, ...]
    last_lines: tuple[Line, ...]
    earlier: tuple[EarlierTicket, ...]
    reopened: bool = False
    note_prefix: str = "//"


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.capitalize())


def topic_title(
    ticket_id: int, customer_name: str, platform: str, *, reopened: bool = False
) -> str:
    """A short topic/thread name agents can scan in a long list ("#12 Budi · WhatsApp")."""
    marker = " ↩" if reopened else ""
    return f"#{ticket_id}{marker} {customer_name or '?'} · {platform_name(platform)}"[:96]


def what_the_bot_tried(lines: Sequence[Line]) -> tuple[Tried, ...]:
    """Each question the SOP judged, paired with the entry the bot answered with (if any)."""
    tried: list[Tried] = []
    for index, line in enumerate(lines):
        if line.direction != "in" or line.outcome not in _QUESTION_OUTCOMES:
            continue
        entry_id = None
        for later in lines[index + 1 :]:
            if later.direction == "in":
                break
            if later.sop_entry_id:
                entry_id = later.sop_entry_id
                break
        tried.append(Tried(line.text, line.outcome or "", entry_id))
    return tuple(tried)


def reason_text(reason: str, t: Translate, language: str) -> str:
    kind, _, detail = reason.partition(":")
    if kind == "sop":
        return t("handoff.reason_sop", language, entry=detail)
    if kind == "abuse":
        return t("handoff.reason_abuse", language, label=detail)
    key = f"handoff.reason_{kind}"
    try:
        return t(key, language)
    except KeyError:
        return reason


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + "…"


def _tried_line(item: Tried, t: Translate, language: str) -> str:
    if item.entry_id:
        result = t("handoff.card_tried_answered", language, entry=item.entry_id)
    elif item.outcome == "clarify":
        result = t("handoff.card_tried_clarified", language)
    else:
        result = t("handoff.card_tried_missed", language)
    return f"• “{_quote(item.question)}” → {result}"


def render_card(facts: CardFacts, t: Translate, language: str, zone: ZoneInfo) -> str:
    name = facts.customer_name or "?"
    if facts.customer_username:
        name += f" (@{facts.customer_username})"
    header = "card_header_reopened" if facts.reopened else "card_header"
    lines = [
        t(f"handoff.{header}", language, id=facts.ticket_id),
        t(
            "handoff.card_customer",
            language,
            name=name,
            platform=platform_name(facts.platform),
            language=t(f"handoff.language_{facts.language}", language)
            if facts.language in ("id", "en")
            else facts.language,
        ),
        t("handoff.card_reason", language, reason=reason_text(facts.reason, t, language)),
    ]
    if facts.team:
        lines.append(t("handoff.card_team", language, team=facts.team))
    lines.append("")
    if facts.tried:
        lines.append(t("handoff.card_tried", language))
        lines.extend(_tried_line(item, t, language) for item in facts.tried[-5:])
    else:
        lines.append(t("handoff.card_tried_nothing", language))
    if facts.last_lines:
        lines.append("")
        lines.append(t("handoff.card_last_messages", language))
        for line in facts.last_lines:
            at = line.at.astimezone(zone).strftime("%H:%M")
            who = (
                t(f"handoff.author_{line.author}", language)
                if line.author in ("customer", "bot", "agent")
                else line.author
            )
            lines.append(f"[{at}] {who}: {_quote(line.text)}")
    lines.append("")
    if facts.earlier:
        lines.append(t("handoff.card_earlier", language))
        for earlier in facts.earlier:
            detail = earlier.close_reason or t(f"handoff.status_{earlier.status}", language)
            score = f" · CSAT {earlier.csat_score}" if earlier.csat_score else ""
            date = earlier.opened_at.astimezone(zone).strftime("%Y-%m-%d")
            lines.append(f"• #{earlier.id} {date}: {_quote(detail)}{score}")
    else:
        lines.append(t("handoff.card_no_earlier", language))
    lines.append("")
    lines.append(t(f"handoff.card_howto_{facts.workspace}", language, prefix=facts.note_prefix))
    return "\n".join(lines)
