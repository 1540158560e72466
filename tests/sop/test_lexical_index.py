"""The lexical index's shortcuts give what a plain pass over every question gives.

The index sums a query's postings into question slots laid out for a vectorised
per-entry maximum, computes containment from the same gather, picks the few best
entries by repeated argmax and checks an entry's words by binary search. Each is
checked here against the obvious computation, over many customer messages.
"""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
import yaml

from bot.config import PROJECT_ROOT, SAMPLE_SOP_DIR
from bot.sop.knowledge import KnowledgeBase
from bot.sop.lexical import LexicalIndex, QueryTerms, QuestionSlots
from bot.sop.loader import load_sop
from bot.sop.model import DecisionKind, SopEntry

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"


@pytest.fixture(scope="module")
def sample_lexical_kb() -> KnowledgeBase:
    load = load_sop(SAMPLE_SOP_DIR)
    assert load.ok
    return KnowledgeBase.build(load.entries)


@pytest.fixture(scope="module")
def messages() -> list[str]:
    cases = yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]
    return list(dict.fromkeys(case["text"] for case in cases))


def entry(entry_id: str, *questions: str) -> SopEntry:
    return SopEntry(id=entry_id, title=questions[0], questions={"en": questions}, answers={"en": f"about {entry_id}"})


@pytest.mark.parametrize("seed", range(20))
def test_best_question_per_entry_is_the_maximum_over_its_questions(seed: int) -> None:
    rng = random.Random(seed)
    counts = [rng.choice([0, 1, 1, 2, 3, 5, 11]) for _ in range(rng.randint(1, 40))]
    if seed % 4 == 0:
        counts[rng.randrange(len(counts))] = rng.randint(30, 90)  # one entry with many paraphrases
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    slots = QuestionSlots.lay_out(starts)
    assert len(set(slots.of_question.tolist())) == len(slots.of_question)  # no two questions share a slot
    values = np.asarray([rng.choice([0.0, rng.random()]) for _ in range(int(starts[-1]))])
    per_slot = np.zeros(slots.count)
    per_slot[slots.of_question] = values
    expected = [max(values[starts[e] : starts[e + 1]], default=0.0) for e in range(len(counts))]
    assert slots.best_per_entry(per_slot).tolist() == expected


def test_a_skewed_sop_keeps_its_slots_few() -> None:
    counts = [1] * 1000 + [500]
    slots = QuestionSlots.lay_out(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    assert slots.count <= 3 * sum(counts)


def brute_containment(index: LexicalIndex, entries: tuple[SopEntry, ...], query: QueryTerms) -> list[float]:
    """Each entry's largest share of the query held by one of its texts, question by question."""
    mass = {term: float(index.idf[term]) * weight for term, weight in query.words.items()}
    total = sum(mass.values()) + query.unknown_weight * index.unseen_idf
    best = []
    for sop_entry in entries:
        texts = [sop_entry.title, *(q for qs in sop_entry.questions.values() for q in qs)]
        shares = [0.0]
        for text in texts:
            terms = {index.vocabulary[t] for t in index.analyzer.analyse(text).terms}
            shares.append(sum(m for term, m in mass.items() if term in terms) / total if total else 0.0)
        best.append(max(shares))
    return best


def test_containment_is_the_best_single_question_share(sample_lexical_kb: KnowledgeBase, messages: list[str]) -> None:
    index = LexicalIndex(sample_lexical_kb.entries, sample_lexical_kb._analyzer)
    for text in messages[:60]:
        query = index.query_terms(text)
        if not query.words:
            continue
        got = index.containment(query)
        assert np.allclose(got, brute_containment(index, sample_lexical_kb.entries, query), atol=1e-6), text


def test_coverage_counts_the_words_an_entry_has(sample_lexical_kb: KnowledgeBase, messages: list[str]) -> None:
    index = LexicalIndex(sample_lexical_kb.entries, sample_lexical_kb._analyzer)
    words_of = [
        {index.vocabulary[t] for text in (e.title, *e.tags, *(q for qs in e.questions.values() for q in qs))
         for t in index.analyzer.analyse(text).terms}
        | {index.vocabulary[t] for tag in e.tags for t in index.analyzer.terms(tag)}
        for e in sample_lexical_kb.entries
    ]
    rng = random.Random(7)
    for text in messages[:80]:
        query = index.query_terms(text)
        if not query.words:
            continue
        for position in rng.sample(range(len(words_of)), 5):
            mass = {t: float(index.idf[t]) * w for t, w in query.words.items()}
            total = sum(mass.values()) + query.unknown_weight * index.unseen_idf
            held = sum(m for t, m in mass.items() if t in words_of[position])
            assert math.isclose(index.coverage(query, position), held / total, abs_tol=1e-9), text


@pytest.mark.parametrize("k", [1, 3, 5, 16, 40])
def test_the_ranking_is_the_full_sort(sample_lexical_kb: KnowledgeBase, messages: list[str], k: int) -> None:
    for text in messages[:80]:
        scores = sample_lexical_kb.scores(text)
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))  # by score, ties in SOP order
        expected = [sample_lexical_kb.entries[i].id for i in order[:k] if scores[i] > 0]
        assert [m.entry.id for m in sample_lexical_kb.rank(text, k)] == expected, text


def test_tied_entries_rank_in_sop_order() -> None:
    kb = KnowledgeBase.build(
        [entry(f"copy-{n}", "how do i reset my password") for n in range(8)] + [entry("other", "opening hours")]
    )
    assert [m.entry.id for m in kb.rank("reset password", 5)] == [f"copy-{n}" for n in range(5)]


def test_a_paraphrase_far_down_a_long_entry_still_answers() -> None:
    """One entry with many paraphrases: those past the slot block's width are still searched."""
    filler = [f"question number {n} about the warehouse inventory" for n in range(40)]
    many = entry("inventory", *filler[:30], "can i pay for my order with a gift voucher", *filler[30:])
    others = [entry(f"topic-{n}", f"something entirely different number {n}") for n in range(10)]
    kb = KnowledgeBase.build([*others, many])
    index = LexicalIndex(kb.entries, kb._analyzer)
    assert index._slots.width < 41  # the paraphrase sits past the block
    query = index.query_terms("can i pay for my order with a gift voucher")
    assert index.containment(query)[-1] == pytest.approx(1.0)
    decision = kb.decide("can i pay for my order with a gift voucher", default_language="en")
    assert decision.kind is DecisionKind.ANSWER and decision.entry is not None
    assert decision.entry.id == "inventory"


def test_an_entry_after_the_last_with_questions_does_not_hide_its_last_question() -> None:
    """An entry whose texts analyse to nothing, last in the SOP: the entry before keeps its last question."""
    kb = KnowledgeBase.build([entry("first", "opening hours"), entry("card", "where is my card", "card never arrived"),
                              entry("empty", "??", "...")])
    index = LexicalIndex(kb.entries, kb._analyzer)
    query = index.query_terms("card never arrived")
    assert index.containment(query).tolist()[1:] == [pytest.approx(1.0), 0.0]


class CountedScoring:
    """Counts how often a message is scored against the SOP (once per judgement)."""

    def __init__(self, index: LexicalIndex) -> None:
        self.calls = 0
        self._score = index.score

    def __call__(self, query: QueryTerms) -> object:
        self.calls += 1
        return self._score(query)


def test_a_question_part_that_is_the_whole_message_is_not_judged_again() -> None:
    kb = KnowledgeBase.build([
        entry("card-arrival", "my new card has not arrived yet", "where is my card"),
        entry("card-fee", "how much does a new card cost"),
    ])
    whole = "I ordered a new card last week and it still has not arrived at my home address, where is my card?"
    split = "I ordered a new card last week. It still has not arrived at my home address. Where is my card?"
    counts: Counter[str] = Counter()
    for text in (whole, split):
        counted = CountedScoring(kb._lexical)
        kb._lexical.score = counted  # type: ignore[method-assign]
        try:
            decision = kb.decide(text, default_language="en")
        finally:
            del kb._lexical.score
        counts[text] = counted.calls
        assert decision.matches[0].entry.id == "card-arrival"
    # the message and two of its three parts; the third is the message again, punctuation aside
    assert counts[whole] == 3
    assert counts[split] == 5  # the message and its four distinct question parts
