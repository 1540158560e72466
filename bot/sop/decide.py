"""Answer, ask which was meant, or say the SOP does not cover it: the decision on a ranking.

The bot never improvises, so a wrong answer costs more than a question back:
it answers only when it is sure enough that its best entry is the right one,
P(right) >= `confidence`, as the learned confidence model says (`confidence.py`).
When it is not, and two or three entries fit about as well, it asks which one
was meant; when nothing fits it says so and offers a human.

Scores are in [0, 1] and mean the same across SOP sizes (see `lexical.py`), so
one bar for options serves a 12-entry shop and a 10,000-entry bank. The
defaults were set on the calibration pool (`bench/calibrate.py`: banking77
folds in English, Indonesian and across the two, and Indonesian shops'
held-out messages) and reported on parts of it never used to set them
(BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.sop.calibration import HYBRID_CONFIDENCE, LEXICAL_CONFIDENCE
from bot.sop.model import Decision, DecisionKind, Match


@dataclass(frozen=True, slots=True)
class ModeThresholds:
    """Thresholds for one retrieval mode (their scores are scaled differently).

    confidence:     answer when P(the best entry is right) is at least this;
    clarify_score:  below this the best entry is not worth offering: NO_MATCH;
    option_window:  a third clarification option must score within this of the best.
    contained_score, contained_lead: a message that is nearly an approved
        question is answered even when the scores of two entries are close
        ("bagaimana cara refund?" against a refund-how and a refund-status entry):
        the best entry must score at least contained_score, one of its questions
        must hold every word of the message, and no question of any other entry
        may hold more than (1 - contained_lead) of it.
    """

    confidence: float
    clarify_score: float
    option_window: float
    contained_score: float = 0.9
    contained_lead: float = 0.25


# Lexical scores (`lexical.py`): a customer's message that is nearly an SOP
# paraphrase scores 0.8-1.0, one sharing the key words 0.5-0.8, one sharing a
# common word 0.1-0.3; offering options from 0.3 keeps the right entry among
# the options or answered for ~88% of banking77's in-scope questions.
LEXICAL = ModeThresholds(confidence=LEXICAL_CONFIDENCE, clarify_score=0.3, option_window=0.3)
# Hybrid scores (`semantic.py`) are denser: everything in the same domain scores
# 0.3+, so the bar for options is higher.
HYBRID = ModeThresholds(confidence=HYBRID_CONFIDENCE, clarify_score=0.35, option_window=0.2)


@dataclass(frozen=True, slots=True)
class DecisionThresholds:
    """When to answer, clarify or give up, per mode (lexical; hybrid when an encoder is set)."""

    lexical: ModeThresholds = field(default=LEXICAL)
    hybrid: ModeThresholds = field(default=HYBRID)
    max_options: int = 3  # clarification buttons; 2 or 3

    def for_mode(self, semantic: bool) -> ModeThresholds:
        return self.hybrid if semantic else self.lexical


def thresholds_from(overrides: dict[str, float]) -> DecisionThresholds:
    """Defaults with overrides from the settings: `{"hybrid.confidence": 0.9, "max_options": 2}`."""
    result = DecisionThresholds()
    for key, value in overrides.items():
        mode, _, name = key.partition(".")
        if key == "max_options":
            result = replace(result, max_options=int(value))
        elif mode in ("lexical", "hybrid") and name in ModeThresholds.__dataclass_fields__:
            updated = replace(getattr(result, mode), **{name: float(value)})
            result = replace(result, **{mode: updated})
        else:
            names = ", ".join(ModeThresholds.__dataclass_fields__)
            raise ValueError(f"unknown threshold {key!r}; expected lexical.<name> or hybrid.<name> "
                             f"with <name> one of: {names}, or max_options")
    return result


CONTAINED = 0.999  # "holds every word": the containment share, less float rounding
MIN_CONTAINED_TERMS = 2  # one word ("refund") is never specific enough on its own


def answer_contained(
    decision: Decision,
    containment: Sequence[float],
    term_count: int,
    thresholds: ModeThresholds,
    lexical_score: float | None = None,
) -> Decision:
    """Turn a CLARIFY into an ANSWER when the message is nearly one approved question.

    `containment` is the ranking's entries' containment share, best first (see
    `LexicalIndex.containment`); on banking77 folds this adds answers at the
    precision of the score rule (0.956 with it against 0.954 without, coverage
    0.219 against 0.186, out-of-scope answered 2.5% against 2.3%) and answers near-verbatim SOP questions
    that two similar entries would otherwise make ambiguous. `lexical_score` is the
    best entry's lexical score (containment is about words); the ranking's score if None.
    """
    if decision.kind is not DecisionKind.CLARIFY or term_count < MIN_CONTAINED_TERMS:
        return decision
    best, *others = containment
    if (
        best >= CONTAINED
        and (decision.matches[0].score if lexical_score is None else lexical_score) >= thresholds.contained_score
        and all(other <= best - thresholds.contained_lead for other in others)
    ):
        best_entry = decision.matches[0].entry
        return replace(decision, kind=DecisionKind.ANSWER, options=(best_entry,))
    return decision


def decide(
    ranking: Sequence[Match],
    thresholds: ModeThresholds,
    language: str,
    max_options: int = 3,
    confidence: float = 0.0,
) -> Decision:
    """ANSWER, CLARIFY or NO_MATCH for a ranking (best first, one match per entry) and
    the confidence that its first entry is right."""
    matches = tuple(ranking)
    if not matches or matches[0].score < thresholds.clarify_score:
        return Decision(DecisionKind.NO_MATCH, language, matches, confidence=confidence)
    best = matches[0]
    if confidence >= thresholds.confidence:
        return Decision(DecisionKind.ANSWER, language, matches, options=(best.entry,), confidence=confidence)
    if len(matches) < 2:
        # one entry that fits only loosely: nothing to choose between, and not sure enough
        return Decision(DecisionKind.NO_MATCH, language, matches, confidence=confidence)
    options = [best.entry, matches[1].entry]
    for match in matches[2:max_options]:
        if match.score >= best.score - thresholds.option_window and match.score > 0:
            options.append(match.entry)
    return Decision(DecisionKind.CLARIFY, language, matches, options=tuple(options), confidence=confidence)
