"""Answer, ask which was meant, or say the SOP does not cover it: the decision on a ranking.

The bot never improvises, so a wrong answer costs more than a question back:
it answers only when the best entry both fits the message well (score) and
clearly beats the next one (margin). When two or three entries fit about as
well it asks which one was meant; when nothing fits it says so and offers a
human.

Scores are in [0, 1] and mean the same across SOP sizes (see `lexical.py`),
so one set of thresholds serves a 12-entry shop and a 10,000-entry bank. The
defaults were set on cross-validation folds of banking77 (10 paraphrases per
entry, 17 of 77 topics left out as out-of-scope questions) and checked on a
small hand-written Indonesian/English SOP; `bench/faq_quality.py` measures them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.sop.model import Decision, DecisionKind, Match


@dataclass(frozen=True, slots=True)
class ModeThresholds:
    """Thresholds for one retrieval mode (their scores are scaled differently).

    answer_score:   the best entry must score at least this to be answered ...
    answer_margin:  ... and beat the second entry by at least this much;
    alone_score:    or score at least this while no other entry scores above
    alone_runner_up:  this (it is the only candidate: common in small SOPs);
    clarify_score:  below this the best entry is not worth offering: NO_MATCH.
    option_window:  a third clarification option must score within this of the best.
    contained_score, contained_lead: a message that is nearly an approved
        question is answered even when the scores of two entries are close
        ("bagaimana cara refund?" against a refund-how and a refund-status entry):
        the best entry must score at least contained_score, one of its questions
        must hold every word of the message, and no question of any other entry
        may hold more than (1 - contained_lead) of it.
    """

    answer_score: float
    answer_margin: float
    alone_score: float
    alone_runner_up: float
    clarify_score: float
    option_window: float
    contained_score: float = 0.9
    contained_lead: float = 0.25

    def confident(self, best: float, runner_up: float) -> bool:
        if best >= self.answer_score and best - runner_up >= self.answer_margin:
            return True
        return best >= self.alone_score and runner_up <= self.alone_runner_up


# Lexical scores (`lexical.py`): a customer's message that is nearly an SOP
# paraphrase scores 0.8-1.0, one sharing the key words 0.5-0.8, one sharing a
# common word 0.1-0.3. On 25 banking77 folds (5 seeds; see bench/faq_sweep.py),
# answering at >= 0.85 with a lead of >= 0.4 gave precision 0.957 with 1.9% of
# out-of-scope questions answered (at >= 0.8: 0.948 and 2.8%, the extra answers
# mostly out-of-scope questions near an entry); offering options from 0.3 kept
# the right entry among the options or answered for 88% of in-scope questions.
LEXICAL = ModeThresholds(
    answer_score=0.85,
    answer_margin=0.4,
    alone_score=0.65,
    alone_runner_up=0.15,
    clarify_score=0.3,
    option_window=0.3,
)
# Hybrid scores (`semantic.py`) are denser: a paraphrase in other words still
# scores high, so a smaller lead suffices, and everything in the same domain
# scores 0.3+, so the bar for options is higher. On the same folds: precision
# 0.974, 2.6% out-of-scope answered, 95% resolved.
HYBRID = ModeThresholds(
    answer_score=0.85,
    answer_margin=0.2,
    alone_score=0.65,
    alone_runner_up=0.2,
    clarify_score=0.4,
    option_window=0.2,
)


@dataclass(frozen=True, slots=True)
class DecisionThresholds:
    """When to answer, clarify or give up, per mode (lexical; hybrid when an encoder is set)."""

    lexical: ModeThresholds = field(default=LEXICAL)
    hybrid: ModeThresholds = field(default=HYBRID)
    max_options: int = 3  # clarification buttons; 2 or 3

    def for_mode(self, semantic: bool) -> ModeThresholds:
        return self.hybrid if semantic else self.lexical


def thresholds_from(overrides: dict[str, float]) -> DecisionThresholds:
    """Defaults with overrides from the settings: `{"lexical.answer_score": 0.85, "max_options": 2}`."""
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
    decision: Decision, containment: Sequence[float], term_count: int, thresholds: ModeThresholds
) -> Decision:
    """Turn a CLARIFY into an ANSWER when the message is nearly one approved question.

    `containment` is the ranking's entries' containment share, best first (see
    `LexicalIndex.containment`); on banking77 folds this adds answers at the
    precision of the score rule (0.956 with it against 0.954 without, coverage
    0.219 against 0.186, out-of-scope answered 2.5% against 2.3%) and answers near-verbatim SOP questions
    that two similar entries would otherwise make ambiguous.
    """
    if decision.kind is not DecisionKind.CLARIFY or term_count < MIN_CONTAINED_TERMS:
        return decision
    best, *others = containment
    if (
        best >= CONTAINED
        and decision.matches[0].score >= thresholds.contained_score
        and all(other <= best - thresholds.contained_lead for other in others)
    ):
        best_entry = decision.matches[0].entry
        return Decision(DecisionKind.ANSWER, decision.language, decision.matches, (best_entry,))
    return decision


def decide(
    ranking: Sequence[Match], thresholds: ModeThresholds, language: str, max_options: int = 3
) -> Decision:
    """ANSWER, CLARIFY or NO_MATCH for a ranking (best first, one match per entry)."""
    matches = tuple(ranking)
    if not matches or matches[0].score < thresholds.clarify_score:
        return Decision(DecisionKind.NO_MATCH, language, matches)
    best = matches[0]
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if thresholds.confident(best.score, runner_up):
        return Decision(DecisionKind.ANSWER, language, matches, options=(best.entry,))
    if len(matches) < 2:
        # one entry that fits only loosely: nothing to choose between, and not sure enough
        return Decision(DecisionKind.NO_MATCH, language, matches)
    options = [best.entry, matches[1].entry]
    for match in matches[2:max_options]:
        if match.score >= best.score - thresholds.option_window and match.score > 0:
            options.append(match.entry)
    return Decision(DecisionKind.CLARIFY, language, matches, options=tuple(options))
