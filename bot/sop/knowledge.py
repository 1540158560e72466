"""`KnowledgeBase`: the SOP as the bot uses it, built once, queried on every message.

Immutable: an updated SOP (files reloaded, an agent's draft approved) is a new
KnowledgeBase, swapped in whole, so a message is always answered from one
consistent SOP and nothing needs a lock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bot.sop.analysis import Analysis, Analyzer, default_analyzer
from bot.sop.calibration import MODELS
from bot.sop.confidence import ConfidenceModel, Evidence
from bot.sop.decide import DecisionThresholds, ModeThresholds, answer_contained, decide
from bot.sop.language import choose_language
from bot.sop.lexical import LexicalIndex, QueryTerms
from bot.sop.model import LANGUAGES, Decision, DecisionKind, Match, SopEntry
from bot.sop.semantic import Encoder, SemanticIndex, SemanticSignals, model_name
from bot.sop.smalltalk import small_talk_kind

RANKING_DEPTH = 5  # matches kept in a Decision, for logs and the improvement loop
FEW = 16  # up to this many matches are picked by repeated `argmax`, not `argpartition`
LONG_MESSAGE_TERMS = 6  # from this many content words a message is also judged by its question parts
MAX_PARTS = 4
TIE = 1e-6  # two entries this close in the ranking: asked, never answered
# A question part answers only this far above the bar: the best of several tries looks surer
# than it is (on the tuning parts: banking77_id precision 0.952 -> 0.961, klinik 0.934 -> 0.950)
PART_MARGIN = 0.04
PART_IN_WHOLE = 3  # a part answers only with one of the whole message's first this many entries
_CLAUSE_END = re.compile(r"[.!?;,\n]+")
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Scored:
    """One message against every entry: the ranking scores and the signals behind them."""

    scores: FloatArray  # hybrid, or lexical without an encoder
    lexical: FloatArray
    semantic: SemanticSignals | None
    containment: FloatArray  # `LexicalIndex.containment`, summed with the lexical scores


@dataclass(frozen=True, slots=True)
class Assessment:
    """A decision and the evidence about its best entry (None when no entry was ranked)."""

    decision: Decision
    evidence: Evidence | None
    foreign_name: str | None = None  # another company's name the best entry never mentions (not answered)
    from_part: bool = False  # decided on a question part of a long message, not on the whole


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
        self._confidence = confidence_model_for(semantic)

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
        hybrid thresholds apply, in every language; without, it is lexical.
        """
        unique: dict[str, SopEntry] = {}
        for entry in entries:
            unique[entry.id] = entry  # a replacement keeps the place of the entry it replaces
        ordered = tuple(unique.values())
        analyzer = analyzer or default_analyzer()
        lexical = LexicalIndex(ordered, analyzer)
        semantic = (
            SemanticIndex(ordered, encoder, prepare=analyzer.encoder_text) if encoder is not None else None
        )
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
        return self._score(text, self._lexical.query_terms(text)).scores

    def _score(self, text: str, query: QueryTerms) -> Scored:
        words = self._lexical.score(query)
        lexical = words.scores
        if self._semantic is None or not len(lexical):
            return Scored(lexical, lexical, None, words.containment)
        signals = self._semantic.signals(text, lexical)
        return Scored(self._semantic.hybrid(signals, lexical), lexical, signals, words.containment)

    def rank(self, text: str, k: int = RANKING_DEPTH) -> list[Match]:
        """The k best entries for `text`, best first, one Match per entry (score > 0 only)."""
        if not self._entries:
            return []
        return self._ranking(self._score(text, self._lexical.query_terms(text)).scores, k)

    def _ranking(self, scores: FloatArray, k: int) -> list[Match]:
        if k <= 0 or not len(scores):
            return []
        if k <= FEW:
            return [Match(self._entries[i], float(scores[i])) for i in _best_few(scores, k)]
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties in SOP order
        return [Match(self._entries[i], float(scores[i])) for i in top if scores[i] > 0]

    def prepare(self, texts: Sequence[str]) -> None:
        """Encode the messages about to be decided in one encoder call (with the question
        parts of long ones): a saving only, each decision is what it would be without."""
        if self._semantic is not None and self._entries:
            long = [text for text in texts if len(text.split()) >= LONG_MESSAGE_TERMS]
            parts = [part for text in long for part in question_parts(text, self._analyzer)]
            self._semantic.encode_ahead([*texts, *parts])

    def decide(
        self, text: str, *, platform_language: str | None = None, default_language: str = "id"
    ) -> Decision:
        """What the bot does with one customer message: exactly the path the bot takes."""
        return self.assess(text, platform_language=platform_language, default_language=default_language).decision

    def assess(
        self, text: str, *, platform_language: str | None = None, default_language: str = "id"
    ) -> Assessment:
        """`decide`, with the evidence the confidence was computed from (for benchmarks and logs)."""
        language = choose_language(text, platform_language, default_language, self._languages)
        kind = small_talk_kind(text, self._analyzer)
        if kind is not None:
            return Assessment(Decision(DecisionKind.SMALL_TALK, language, small_talk=kind), None)
        analysis = self._analyzer.analyse(text)
        terms = analysis.terms
        if self._analyzer.is_vague(terms):
            # "kak mau tanya", "help": asking what they need beats guessing from filler words
            return Assessment(Decision(DecisionKind.VAGUE, language), None)
        mode = self._thresholds.for_mode(self._semantic is not None)
        if not self._entries:
            return Assessment(decide([], mode, language, self._thresholds.max_options), None)
        asking = asking_clauses(text, self._analyzer) if len(terms) >= LONG_MESSAGE_TERMS else []
        parts = parts_of(asking)
        if parts and self._semantic is not None:  # the message and its parts in one encoder call
            self._semantic.encode_ahead([text, *parts], replace=False)
        whole = best = self._judge(text, analysis, mode, language)
        # a long story with the question inside: the question alone may be clearer
        asked: set[str] = set()  # what each asking clause alone points at
        alone = {clause for clause, _ in asking}
        # a judgement depends on the text only through what the encoder reads and the analysis:
        # parts that agree on both (the whole again, punctuation aside) are judged once
        judged: dict[tuple[str, tuple[str, ...], tuple[bool, ...], tuple[str, ...]], Assessment] = {}
        if parts:
            judged[self._judgement_key(text, analysis)] = whole
        for part in parts:
            part_analysis = self._analyzer.analyse(part)
            if not part_analysis.terms or self._analyzer.is_vague(part_analysis.terms):
                continue
            key = self._judgement_key(part, part_analysis)
            candidate = judged.get(key) or self._judge(part, part_analysis, mode, language)
            judged[key] = candidate
            if candidate.decision.kind is not DecisionKind.NO_MATCH and part in alone:
                asked.add(candidate.decision.options[0].id)
            if len(part_analysis.terms) < 2:
                continue
            if candidate.decision.kind is DecisionKind.ANSWER and (
                (candidate.decision.confidence or 0.0) < mode.confidence + PART_MARGIN
                or not self._whole_allows(whole, analysis, candidate.decision.options[0].id)
            ):
                continue
            if (candidate.decision.confidence or 0.0) > (best.decision.confidence or 0.0):
                best = candidate
        # two questions about different entries ("paket kapan sampai, atau refund aja?"): the
        # whole message's options serve both, answering one would ignore the other
        if len(asked) > 1 or best is whole:
            return whole
        return replace(best, from_part=True)

    def _whole_allows(self, whole: Assessment, analysis: Analysis, entry_id: str) -> bool:
        """Whether a question part may answer with this entry: the whole message must rank it
        among its first PART_IN_WHOLE (a part reads less than the customer wrote), and name
        no other company the entry never mentions."""
        top = whole.decision.matches[:PART_IN_WHOLE]
        if entry_id not in {match.entry.id for match in top}:
            return False
        return self._foreign_name(analysis, self._index[entry_id]) is None

    def _judge(self, text: str, analysis: Analysis, mode: ModeThresholds, language: str) -> Assessment:
        terms = analysis.terms
        query = self._lexical.query_from_terms(terms, analysis.context, analysis.words)
        scored = self._score(text, query)
        ranking = self._ranking(scored.scores, RANKING_DEPTH)
        shares = scored.containment if ranking else None  # evidence and `_contained`
        best = self._index[ranking[0].entry.id] if ranking else 0
        evidence = (
            self._evidence(scored, best, query, len(terms), shares)
            if shares is not None else None
        )
        confidence = self._confidence.probability(evidence) if evidence is not None else 0.0
        foreign = self._foreign_name(analysis, best) if ranking else None
        tie = len(ranking) > 1 and ranking[0].score - ranking[1].score <= TIE
        # another company's product the SOP never mentions: what the SOP says is not about it;
        # two entries that fit exactly as well: which one is for the customer to say
        allowed = 0.0 if foreign or tie else confidence
        decision = decide(ranking, mode, language, self._thresholds.max_options, allowed)
        decision = replace(decision, confidence=confidence)
        if decision.kind is DecisionKind.CLARIFY and evidence is not None and shares is not None and not foreign:
            decision = self._contained(decision, query, len(terms), mode, evidence.lexical, shares)
        return Assessment(decision, evidence, foreign)

    def _judgement_key(
        self, text: str, analysis: Analysis
    ) -> tuple[str, tuple[str, ...], tuple[bool, ...], tuple[str, ...]]:
        """What `_judge` reads of a text: the encoder's text (none without an encoder) and the analysis."""
        read = self._semantic.encoder_text(text) if self._semantic is not None else ""
        return read, tuple(analysis.terms), tuple(analysis.context), tuple(analysis.words)

    def _foreign_name(self, analysis: Analysis, entry: int) -> str | None:
        """Another company's name in the message that the best entry never mentions."""
        brands = self._analyzer.lexicon.brands
        for word in analysis.words:
            if word in brands and not self._lexical.entry_mentions(entry, word):
                return word
        return None

    def _evidence(
        self, scored: Scored, best: int, query: QueryTerms, term_count: int, shares: FloatArray
    ) -> Evidence:
        """What is known about the best entry (see `confidence.Evidence`)."""
        scores = scored.scores
        runner_up = _best_other(scores, best)
        lexical = scored.lexical
        cosine = cosine_margin = head = 0.0
        semantic_agrees = 0.0
        if scored.semantic is not None:
            cosines = scored.semantic.cosine
            cosine = float(cosines[best])
            cosine_margin = cosine - _best_other(cosines, best)
            semantic_agrees = float(int(np.argmax(cosines)) == best)
            if scored.semantic.head is not None:
                head = float(scored.semantic.head[best])
        known = sum(query.words.values())
        return Evidence(
            score=float(scores[best]),
            margin=float(scores[best]) - runner_up,
            lexical=float(lexical[best]),
            lexical_margin=float(lexical[best]) - _best_other(lexical, best),
            cosine=cosine,
            cosine_margin=cosine_margin,
            head=head,
            containment=float(shares[best]),
            coverage=self._lexical.coverage(query, best),
            known_share=known / (known + query.unknown_weight) if known + query.unknown_weight else 0.0,
            log_terms=math.log1p(term_count),
            lexical_agrees=float(int(np.argmax(lexical)) == best and lexical[best] > 0),
            semantic_agrees=semantic_agrees,
        )

    def _contained(
        self, decision: Decision, query: QueryTerms, term_count: int, mode: ModeThresholds, lexical: float,
        shares: FloatArray,
    ) -> Decision:
        """A message that is nearly one approved question is answered (see `decide.py`).

        Every other entry counts, not only the ranked ones: a question elsewhere
        that holds the same words makes the message ambiguous after all.
        """
        if query.unknown_weight:
            return decision  # a word no entry knows: "hapus akun instagram" is not ours
        best_index = self._index[decision.matches[0].entry.id]
        others = np.delete(shares, best_index)
        runner_up = float(others.max()) if len(others) else 0.0
        return answer_contained(decision, (float(shares[best_index]), runner_up), term_count, mode, lexical)

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


def _best_few(scores: FloatArray, k: int) -> list[int]:
    """The k best entries with a score above 0, best first, ties in SOP order (`argmax`
    takes the first): a few passes of `argmax` cost a tenth of `argpartition` at 10,000 entries."""
    remaining = scores.copy()
    found: list[int] = []
    for _ in range(min(k, len(remaining))):
        best = int(np.argmax(remaining))
        if not remaining[best] > 0:
            break
        found.append(best)
        remaining[best] = -np.inf
    return found


def _best_other(values: FloatArray, index: int) -> float:
    """The largest value but the one at `index` (0 when there is no other)."""
    if len(values) < 2:
        return 0.0
    return float(np.delete(values, index).max())


def confidence_model_for(semantic: SemanticIndex | None) -> ConfidenceModel:
    """The fitted model for this mode: words alone, or the encoder with or without its classifier.

    An encoder the calibration has not seen (a test's toy encoder) borrows the default model's.
    """
    if semantic is None:
        return MODELS["lexical"]
    suffix = "" if semantic.has_head else "/no-head"
    return MODELS.get(model_name(semantic.encoder) + suffix) or MODELS["usem3" + suffix]


def question_parts(text: str, analyzer: Analyzer) -> list[str]:
    """The clauses of a long message that ask something (a question mark or a question
    word), alone and with the clause before it, the last MAX_PARTS of them: customers tell
    their story first and ask at the end ("... udah seminggu blm sampe, itu gimana ya kak?")."""
    return parts_of(asking_clauses(text, analyzer))


def parts_of(asking: Sequence[tuple[str, str | None]]) -> list[str]:
    """`question_parts` from the message's `asking_clauses`."""
    parts = []
    for clause, previous in asking:
        if previous:
            parts.append(f"{previous} {clause}")
        parts.append(clause)
    return parts[-MAX_PARTS:]


def asking_clauses(text: str, analyzer: Analyzer) -> list[tuple[str, str | None]]:
    """Each clause that asks something, with the clause before it (None for the first);
    filler clauses (greetings, thanks, "saya Budi dari Bekasi") are left out first."""
    text = analyzer.content(text)
    clauses = [clause.strip() for clause in _CLAUSE_END.split(text) if clause.strip()]
    if len(clauses) < 2:
        return []
    marks = [match.group() for match in _CLAUSE_END.finditer(text)]
    questions = analyzer.lexicon.question_words
    asking: list[tuple[str, str | None]] = []
    for index, clause in enumerate(clauses):
        asks = "?" in (marks[index] if index < len(marks) else "") or any(
            word in questions for word in analyzer.standard_words(clause)
        )
        if asks:
            asking.append((clause, clauses[index - 1] if index else None))
    return asking
