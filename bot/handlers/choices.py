"""Numbered choices: what a typed "2" means, and how the options of a clarification read.

On platforms without buttons (the console, WhatsApp beyond its limits, a customer
who types instead of tapping) the bot's buttons become numbered lines. A number is
a choice only while those choices are open: right after the bot showed them, until
the customer writes something else or `support.options_open_minutes` pass. A number
at any other time must not pick an option from an old menu ("0" or "5" answering a
question nobody asked), so the caller says that no menu is open instead.

Option labels speak the customer's words where the SOP has them: of an entry's
approved questions, the one closest to what the customer wrote, when it says little
the customer did not (so "ongkir ke jakarta brp" is not offered to someone asking
about Bandung) and fits a button; otherwise the entry's first question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.actions import Button
from bot.sop.analysis import Analyzer, default_analyzer
from bot.sop.model import SopEntry
from bot.storage.models import ConversationState

# "2", "2.", "#2", "no 2", "nomor 2 kak", "pilih 2": a number typed to pick a choice.
_TYPED_NUMBER = re.compile(
    r"^\s*(?:(?:no|nomor|nomer|number|pilih|pilihan|opsi|option|yang|yg)\.?\s*)?#?\s*(\d{1,2})\s*[.)]?"
    r"\s*(?:kak|ka|min|ya|aja|saja|please|pls)?\s*[.!]?\s*$",
    re.IGNORECASE,
)
# WhatsApp shows a list row's description up to 72 characters, Discord a label up to 80:
# a longer question would be cut, so the entry's first question is offered instead.
MAX_LABEL = 72
# Share of the message's terms a question must hold, its own extra terms counting double.
_OWN_WORDS_SCORE = 0.5
# Forms of address at either end of a question add nothing to a button ("voucher gak bisa kak").
_ADDRESS = frozenset("kak ka kakak min mimin gan sis bang mas mbak admin".split())


@dataclass(frozen=True, slots=True)
class Choice:
    data: str
    label: str


def typed_number(text: str) -> int | None:
    """The number in a message that is only a number ("2", "no. 2 kak"), else None."""
    match = _TYPED_NUMBER.match(text.replace("\ufe0f", "").replace("\u20e3", ""))  # keycap "2️⃣"
    return int(match.group(1)) if match else None


def remember(conversation: ConversationState, buttons: Sequence[Button], now: datetime) -> None:
    """The choice buttons just shown are the open choices (none: nothing is open)."""
    choices = [{"data": button.data, "label": button.label} for button in buttons if button.data and not button.url]
    conversation.pending_options = choices or None
    conversation.updated_at = now


def forget(conversation: ConversationState) -> None:
    conversation.pending_options = None


def open_choices(conversation: ConversationState, now: datetime, open_for: timedelta) -> tuple[Choice, ...]:
    """The choices a typed number can pick now: shown last, and recently enough."""
    stored = conversation.pending_options or []
    if not stored or now - conversation.updated_at > open_for:
        return ()
    choices: list[Choice] = []
    for item in stored:
        if isinstance(item, dict) and isinstance(item.get("data"), str):
            choices.append(Choice(item["data"], str(item.get("label") or item["data"])))
        elif isinstance(item, str):  # stored before choices kept their labels: an SOP entry id
            choices.append(Choice(f"sop:{item}", item))
    return tuple(choices)


def as_buttons(choices: Sequence[Choice]) -> tuple[Button, ...]:
    return tuple(Button(choice.label, choice.data) for choice in choices)


# ---- labels ---------------------------------------------------------------------------------


def option_labels(
    entries: Sequence[SopEntry], message: str, language: str, analyzer: Analyzer | None = None
) -> list[str]:
    """A label for each entry offered in a clarification, in the customer's words where possible.

    Labels must tell the options apart: when the customer's words would give two
    entries the same label, the later one falls back to its first question.
    """
    analyzer = analyzer or default_analyzer()
    message_terms = set(analyzer.terms(message))
    labels: list[str] = []
    seen: list[frozenset[str]] = []
    for entry in entries:
        own = _own_words(entry, message_terms, language, analyzer)
        label = own if own is not None else _standard_label(entry, language)
        terms = _sop_terms(label, analyzer)
        if own is not None and any(terms == other for other in seen):
            label = _standard_label(entry, language)
            terms = _sop_terms(label, analyzer)
        labels.append(label)
        seen.append(terms)
    return labels


def _own_words(entry: SopEntry, message_terms: set[str], language: str, analyzer: Analyzer) -> str | None:
    """The entry's question closest to the message, if it is close enough and short enough."""
    if not message_terms:
        return None
    best: tuple[float, str] | None = None
    for question in entry.questions.get(language) or ():
        label = _tidy(question)
        if not label or len(label) > MAX_LABEL:
            continue
        terms = _sop_terms(question, analyzer)
        shared = len(terms & message_terms)
        if not shared:
            continue
        score = shared / (len(message_terms) + 2 * len(terms - message_terms))
        if best is None or score > best[0]:  # ties: the earlier question, usually the plainer one
            best = (score, label)
    return best[1] if best is not None and best[0] >= _OWN_WORDS_SCORE else None


def _sop_terms(text: str, analyzer: Analyzer) -> frozenset[str]:
    """The terms of an SOP question or label: the default analyzer's are remembered (a
    clarification reads every question of its options; analysing them each time was a
    quarter of the support path's time)."""
    if analyzer is default_analyzer():
        return _default_terms(text)
    return frozenset(analyzer.terms(text))


@lru_cache(maxsize=16_384)
def _default_terms(text: str) -> frozenset[str]:
    return frozenset(default_analyzer().terms(text))


def _standard_label(entry: SopEntry, language: str) -> str:
    """The entry's first question in the customer's language, or its title."""
    for question in entry.questions.get(language) or ():
        label = _tidy(question)
        if label and len(label) <= MAX_LABEL:
            return label
    return entry.title


def _tidy(question: str) -> str:
    """ "voucher nya gak bisa dipake kak" -> "Voucher nya gak bisa dipake"."""
    words = question.split()
    while words and words[-1].strip("?!.,").lower() in _ADDRESS:
        last = words.pop()
        if words and last[-1:] in "?!":
            words[-1] += last[-1]
    while words and words[0].strip(",").lower() in _ADDRESS:
        words.pop(0)
    text = " ".join(words).strip(" ,")
    return text[:1].upper() + text[1:]
