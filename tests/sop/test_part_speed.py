"""The savings on long messages (issue #12 point 5) change no reply.

A long message is judged whole and by its question parts; parts that read as
another text already judged (same encoder text, same analysis) reuse its
judgement, and the analyzer remembers the last texts' clauses. Over many long
messages (the held-out case sets, padded with greetings and stories) the
decisions must be exactly those of judging every part afresh with a cold memo.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from bench.padding import pad
from bot.config import PROJECT_ROOT
from bot.sop.analysis import Analyzer, default_analyzer
from bot.sop.knowledge import LONG_MESSAGE_TERMS, Assessment, KnowledgeBase, question_parts

CASE_SETS = [
    PROJECT_ROOT / "bench" / "datasets" / "tokonusa" / "messages.yaml",
    PROJECT_ROOT / "bench" / "datasets" / "netnusa" / "messages.yaml",
    PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml",
]


def case_texts(path: Path) -> list[str]:
    return [str(case["text"]) for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]


def long_messages() -> list[str]:
    """Messages judged by their parts: long cases as written, and short ones padded."""
    analyzer = default_analyzer()
    texts = [text for path in CASE_SETS for text in case_texts(path)]
    padded = [pad(text, seed=seed) for seed, text in enumerate(texts)]
    found = [
        text
        for text in dict.fromkeys([*texts, *padded])
        if len(analyzer.terms(text)) >= LONG_MESSAGE_TERMS and question_parts(text, analyzer)
    ]
    assert len(found) > 100  # enough to mean something
    return found


def outcome(assessment: Assessment) -> tuple[object, ...]:
    decision = assessment.decision
    return (
        decision.kind,
        tuple(option.id for option in decision.options),
        decision.confidence,
        assessment.from_part,
        assessment.foreign_name,
    )


@pytest.mark.parametrize("kb_name", ["sample_hybrid_kb", "shop_kb", "shop_lexical_kb"])
def test_parts_judged_once_decide_as_parts_judged_each_time(
    kb_name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb: KnowledgeBase = request.getfixturevalue(kb_name)
    messages = long_messages()
    shared = [outcome(kb.assess(text)) for text in messages]
    counter = itertools.count()
    # every part its own key: each is judged afresh, the whole again too
    monkeypatch.setattr(KnowledgeBase, "_judgement_key", lambda self, text, analysis: next(counter))
    afresh = [outcome(kb.assess(text)) for text in messages]
    assert next(counter) > len(messages)  # the parts were judged
    for text, one, other in zip(messages, shared, afresh, strict=True):
        assert one == other, text
    assert any(kind is not None and options for kind, options, *_ in shared)


def test_remembered_clauses_analyse_as_a_cold_analyzer_does() -> None:
    texts = long_messages()
    texts += [part for text in texts for part in question_parts(text, default_analyzer())]
    warm = Analyzer(default_analyzer().lexicon, default_analyzer().stemmer)
    for _ in range(2):  # the second round reads the memo (and evicts: far more texts than it keeps)
        for text in reversed(texts[:50]):
            warm.analyse(text), warm.content(text), warm.encoder_text(text)
        for text in texts:
            cold = Analyzer(warm.lexicon, warm.stemmer)
            assert warm.analyse(text) == cold.analyse(text), text
            assert warm.content(text) == cold.content(text), text
            assert warm.encoder_text(text) == cold.encoder_text(text), text
