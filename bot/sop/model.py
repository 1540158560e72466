"""The SOP's vocabulary: entries as loaded from files, and the decisions retrieval makes.

These types are shared by the loader, the retrieval engine, the support handler
and the improvement loop; they hold no behaviour beyond small conveniences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

LANGUAGES: tuple[str, ...] = ("id", "en")


@dataclass(frozen=True, slots=True)
class SopLink:
    """A button under an answer: a link (`url`) or a follow-up entry (`entry_id`)."""

    label: dict[str, str]  # language -> label
    url: str | None = None
    entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class SopEntry:
    """One approved answer with the questions it answers, in each language.

    `handoff` marks topics that always go to a human (disputes about money, say):
    the bot acknowledges and opens a ticket instead of answering.
    """

    id: str
    title: str
    questions: dict[str, tuple[str, ...]]  # language -> paraphrases
    answers: dict[str, str]  # language -> answer text
    tags: tuple[str, ...] = ()
    links: tuple[SopLink, ...] = ()
    handoff: bool = False
    owner: str | None = None
    updated: date | None = None
    source: str = ""  # file the entry came from ("" for entries approved in the bot)
    line: int = 0

    def answer_in(self, language: str, fallback: str = "id") -> str:
        return (
            self.answers.get(language)
            or self.answers.get(fallback)
            or next(iter(self.answers.values()), "")
        )

    def title_in(self, language: str) -> str:
        return self.title


class DecisionKind(StrEnum):
    ANSWER = "answer"  # confident: send the entry's answer
    CLARIFY = "clarify"  # two or three entries are close: ask which one was meant
    NO_MATCH = "no_match"  # the SOP does not cover it: say so and offer a human
    SMALL_TALK = "small_talk"  # greeting, thanks, goodbye
    VAGUE = "vague"  # asks for help without saying about what: ask what is needed


@dataclass(frozen=True, slots=True)
class Match:
    entry: SopEntry
    score: float


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one customer message, and why (`matches` is the ranking it was based on)."""

    kind: DecisionKind
    language: str
    matches: tuple[Match, ...] = ()
    options: tuple[SopEntry, ...] = field(default=())  # the answer entry, or clarification options
    small_talk: str | None = None  # "greeting" | "thanks" | "goodbye"
    confidence: float | None = None  # P(the first match is right), when an SOP entry was ranked

    @property
    def entry(self) -> SopEntry | None:
        return self.options[0] if self.kind is DecisionKind.ANSWER and self.options else None
