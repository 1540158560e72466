"""`KnowledgeBase`: the SOP as the bot uses it, built once, queried on every message.

Immutable: an updated SOP (files reloaded, an agent's draft approved) is a new
KnowledgeBase, swapped in whole, so a message is always answered from one
consistent SOP and nothing needs a lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from bot.sop.analysis import Analyzer, default_analyzer
from bot.sop.decide import DecisionThresholds, ModeThresholds, answer_contained, decide
from bot.sop.language import choose_language, detect_language
from bot.sop.lexical import LexicalIndex, QueryTerms
from bot.sop.model import LANGUAGES, Decision, DecisionKind, Match, SopEntry
from bot.sop.semantic import Encoder, SemanticIndex
from bot.sop.smalltalk import small_talk_kind

RANKING_DEPTH = 5  # matches kept in a Decision, for logs and the improvement loop


class KnowledgeBase:
    def __init__(
        self,
        entries: tuple[SopEntry, ...],
        thresholds: DecisionThresholds,
        languages: tuple[str, ...],
        analyzer: Analyzer,
        lexical: LexicalIndex,
        semantic: SemanticIndex | None,
    ) -> None:
        """Use `KnowledgeBase.build`; this only stores what build prepared."""
        self._entries = entries
        self._by_id = {entry.id: entry for entry in entries}
        self._index = {entry.id: position for position, entry in enumerate(entries)}
        self._thresholds = thresholds
        self._languages = languages
        self._analyzer = analyzer
        self._lexical = lexical
        self._semantic = semantic

    @classmethod
    def build(
        cls,
        entries: Iterable[SopEntry],
        *,
        thresholds: DecisionThresholds = DecisionThresholds(),  # noqa: B008 (frozen)
        encoder: Encoder | None = None,
        languages: Sequence[str] = LANGUAGES,
        analyzer: Analyzer | None = None,
    ) -> KnowledgeBase:
        """Index entries (later ones replace earlier ones with the same id).

        With an `encoder` the ranking is hybrid (semantic + lexical) and the
        hybrid thresholds apply; without, it is lexical.
        """
        unique: dict[str, SopEntry] = {}
        for entry in entries:
            unique[entry.id] = entry  # a replacement keeps the place of the entry it replaces
        ordered = tuple(unique.values())
        analyzer = analyzer or default_analyzer()
        lexical = LexicalIndex(ordered, analyzer)
        semantic = SemanticIndex(ordered, encoder) if encoder is not None else None
        return cls(ordered, thresholds, tuple(languages), analyzer, lexical, semantic)

    # --- reading ---------------------------------------------------------------------

    @property
    def entries(self) -> tuple[SopEntry, ...]:
        return self._entries

    @property
    def thresholds(self) -> DecisionThresholds:
        return self._thresholds

    @property
    def semantic(self) -> bool:
        return self._semantic is not None

    def get(self, entry_id: str) -> SopEntry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    # --- asking ------------------------------------------------------------------------

    def scores(self, text: str) -> np.ndarray:
        """Each entry's score for `text`, in `entries` order."""
        return self._scores(text, self._lexical.query_terms(text))[0]

    def _scores(self, text: str, query: QueryTerms) -> tuple[np.ndarray, bool]:
        """Scores, and whether they are hybrid (semantic) rather than lexical.

        Messages in Indonesian are ranked lexically even with an encoder: the
        bundled model knows English only (see `semantic.py`).
        """
        lexical = self._lexical.scores_for(query)
        if self._semantic is None or detect_language(text) == "id":
            return lexical, False
        return self._semantic.combine(text, lexical), True

    def rank(self, text: str, k: int = RANKING_DEPTH) -> list[Match]:
        """The k best entries for `text`, best first, one Match per entry (score > 0 only)."""
        return self._rank(text, k, self._lexical.query_terms(text))[0]

    def _rank(self, text: str, k: int, query: QueryTerms) -> tuple[list[Match], bool]:
        if not self._entries or k <= 0:
            return [], False
        scores, hybrid = self._scores(text, query)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties in SOP order
        return [Match(self._entries[i], float(scores[i])) for i in top if scores[i] > 0], hybrid

    def decide(
        self, text: str, *, platform_language: str | None = None, default_language: str = "id"
    ) -> Decision:
        """What the bot does with one customer message: exactly the path the bot takes."""
        language = choose_language(text, platform_language, default_language, self._languages)
        kind = small_talk_kind(text, self._analyzer)
        if kind is not None:
            return Decision(DecisionKind.SMALL_TALK, language, small_talk=kind)
        terms = self._analyzer.terms(text)
        if self._analyzer.is_vague(terms):
            # "kak mau tanya", "help": asking what they need beats guessing from filler words
            return Decision(DecisionKind.VAGUE, language)
        query = self._lexical.query_from_terms(terms)  # the message is analysed once
        ranking, hybrid = self._rank(text, RANKING_DEPTH, query)
        mode = self._thresholds.for_mode(hybrid)
        decision = decide(ranking, mode, language, self._thresholds.max_options)
        if decision.kind is DecisionKind.CLARIFY:
            decision = self._contained(decision, query, len(terms), mode)
        return decision

    def _contained(
        self, decision: Decision, query: QueryTerms, term_count: int, mode: ModeThresholds
    ) -> Decision:
        """A message that is nearly one approved question is answered (see `decide.py`).

        Every other entry counts, not only the ranked ones: a question elsewhere
        that holds the same words makes the message ambiguous after all.
        """
        if query.unknown_weight:
            return decision  # a word no entry knows: "hapus akun instagram" is not ours
        shares = self._lexical.containment(query)
        best_index = self._index[decision.matches[0].entry.id]
        others = np.delete(shares, best_index)
        runner_up = float(others.max()) if len(others) else 0.0
        return answer_contained(decision, (float(shares[best_index]), runner_up), term_count, mode)

    # --- changing (a new KnowledgeBase each time) ------------------------------------

    def with_extra(self, entries: Iterable[SopEntry]) -> KnowledgeBase:
        """A new KnowledgeBase with `entries` added, replacing entries with the same id.

        Used when an agent's draft is approved: it answers from the next message on.
        """
        unique = {entry.id: entry for entry in (*self._entries, *entries)}
        ordered = tuple(unique.values())
        lexical = LexicalIndex(ordered, self._analyzer)
        semantic = self._semantic.extended(ordered) if self._semantic is not None else None
        return KnowledgeBase(
            ordered, self._thresholds, self._languages, self._analyzer, lexical, semantic
        )
