"""The handoff's abuse signal from moderation's word filter.

A customer who insults the support bot in a private chat should reach a person (the
handoff opens a ticket when `ctx.extras["abuse_detector"]` flags a message). The word
filter of the default policy catches disguised insults (`4nj1ng`, `b.a.n.g.s.a.t`)
that the handoff's own short list misses; anger without insults is still the
handoff's phrase list's job, so that one stays behind this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.groupmod.service import ModerationService
from bot.handoff.triggers import DEFAULT_ABUSE_DETECTOR, AbuseDetector
from bot.moderation.wordfilter import WordFilter

ABUSIVE_CATEGORIES = frozenset({"insult", "slur", "hate", "profanity"})


@dataclass(frozen=True, slots=True)
class WordFilterAbuseDetector:
    words: WordFilter
    fallback: AbuseDetector = DEFAULT_ABUSE_DETECTOR

    def flag(self, text: str) -> str | None:
        if text and any(hit.category in ABUSIVE_CATEGORIES for hit in self.words.match(text)):
            return "abusive"
        return self.fallback.flag(text)


@dataclass(frozen=True, slots=True)
class ServiceAbuseDetector:
    """`WordFilterAbuseDetector` over the moderation service's default policy, built on first use
    (a process that never hears a customer never loads the word lists)."""

    service: ModerationService
    fallback: AbuseDetector = DEFAULT_ABUSE_DETECTOR

    def flag(self, text: str) -> str | None:
        words = self.service.default_policy().words
        return WordFilterAbuseDetector(words, self.fallback).flag(text)
