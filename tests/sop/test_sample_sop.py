"""The shipped sample SOP against held-out customer messages (`tests/data/sop_eval.yaml`).

Floors, not targets: they catch a change that makes the bot guess (answers to
questions the SOP does not cover, answers to "mau tanya") or stop finding the
right entry. `python -m bench.sop_eval` prints the current figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.sop_eval import ROOT, evaluate, read_cases
from bot.sop.knowledge import KnowledgeBase
from bot.sop.loader import load_sop
from bot.sop.model import DecisionKind


@pytest.fixture(scope="module")
def sample_kb(sample_hybrid_kb: KnowledgeBase) -> KnowledgeBase:
    """The sample SOP as a plain install answers from it (the multilingual encoder and words)."""
    return sample_hybrid_kb


@pytest.fixture(scope="module")
def sample_lexical_kb() -> KnowledgeBase:
    load = load_sop(ROOT / "examples" / "sop")
    assert load.ok
    return KnowledgeBase.build(load.entries)


def test_held_out_messages_are_answered_rightly_or_clarified(sample_kb: KnowledgeBase) -> None:
    report, _ = evaluate(sample_kb, read_cases(Path(ROOT / "tests" / "data" / "sop_eval.yaml")))
    assert report["answered_precision"] >= 0.85
    assert report["resolved"] >= 0.85  # right answer, or the right entry among the options
    assert report["top1"] >= 0.78
    assert report["oos_answered"] <= 0.06
    assert report["vague_answered"] == 0
    assert report["language"] >= 0.95


@pytest.mark.parametrize(
    "text", ["gimana ini kak?", "ada yg bisa bantu sy ga", "how?", "kak?? 🙏"]
)
def test_a_message_that_names_no_topic_is_asked_about_not_guessed(
    sample_kb: KnowledgeBase, text: str
) -> None:
    assert sample_kb.decide(text).kind is DecisionKind.VAGUE


@pytest.mark.parametrize(
    ("text", "entry"),
    [("bagaimana cara refund?", "refund-how"), ("How do I request a refund?", "refund-how")],
)
def test_a_message_that_is_nearly_an_approved_question_is_answered(
    sample_kb: KnowledgeBase, text: str, entry: str
) -> None:
    decision = sample_kb.decide(text)
    assert decision.kind is DecisionKind.ANSWER and decision.entry is not None
    assert decision.entry.id == entry


def test_request_words_do_not_steer_retrieval(sample_lexical_kb: KnowledgeBase) -> None:
    plain = sample_lexical_kb.rank("refund", 2)
    wrapped = sample_lexical_kb.rank("kak mau tanya soal refund dong, bisa bantu?", 2)
    assert [m.entry.id for m in plain] == [m.entry.id for m in wrapped]
