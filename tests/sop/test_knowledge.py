"""Given the shop SOP, when a customer says X, the bot answers, asks, or says it does not know."""

from __future__ import annotations

import pytest

from bot.sop.decide import DecisionThresholds, ModeThresholds, decide
from bot.sop.knowledge import KnowledgeBase
from bot.sop.model import DecisionKind, Match, SopEntry

from .shop_questions import ANSWERABLE, UNRELATED

# Obvious paraphrases that must be answered outright, not just offered.
MUST_ANSWER = [
    ("gimana cara ngajuin refund?", "refund-how"),
    ("refund sy blm masuk jg", "refund-status"),
    ("pesanan sy udh sampe mana ya", "order-track"),
    ("ongkir ke bandung brp kak", "shipping-cost"),
    ("bayarnya bisa cod gak min", "payment-methods"),
    ("mau cancel orderan kak", "order-cancel"),
    ("gw mau ubah alamat", "address-change"),
    ("lupa pasword akun", "password-reset"),
    ("cs buka jam brp?", "opening-hours"),
    ("how do i track my order", "order-track"),
    ("can i change the delivery address", "address-change"),
    ("forgot my pasword", "password-reset"),
    ("the item arrived damaged", "damaged-item"),
    ("my coupon code is not working", "promo-code"),
]


@pytest.mark.parametrize(("text", "entry_id"), MUST_ANSWER)
def test_obvious_paraphrases_are_answered(shop_kb: KnowledgeBase, text: str, entry_id: str) -> None:
    decision = shop_kb.decide(text)
    assert decision.kind is DecisionKind.ANSWER, decision.matches[:3]
    assert decision.entry is not None and decision.entry.id == entry_id


# Near paraphrases the encoder and the words agree on are answered: the confidence model
# (`confidence.py`) weighs their lead and their agreement, not one score against a fixed bar.
NEAR_PARAPHRASES = [
    ("kode voucher gak bisa dipake", "promo-code"),
    ("how much is the shipping fee", "shipping-cost"),
]


@pytest.mark.parametrize(("text", "entry_id"), NEAR_PARAPHRASES)
def test_near_paraphrases_are_answered(shop_kb: KnowledgeBase, text: str, entry_id: str) -> None:
    decision = shop_kb.decide(text)
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry is not None and decision.entry.id == entry_id


# Less sure (the SOP says "pesanan", the customer "paket"): the right entry comes first,
# as the answer or as the first button.
OFFERED_FIRST = [("paket sy udh sampe mana ya", "order-track")]


@pytest.mark.parametrize(("text", "entry_id"), OFFERED_FIRST)
def test_less_sure_paraphrases_get_the_right_entry_first(shop_kb: KnowledgeBase, text: str, entry_id: str) -> None:
    decision = shop_kb.decide(text)
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.CLARIFY)
    assert decision.options[0].id == entry_id


def test_every_answerable_question_is_answered_or_offered(shop_kb: KnowledgeBase) -> None:
    unresolved = []
    for text, entry_id in ANSWERABLE:
        decision = shop_kb.decide(text)
        if entry_id not in [e.id for e in decision.options]:
            unresolved.append((text, decision.kind, [m.entry.id for m in decision.matches[:3]]))
        if decision.kind is DecisionKind.ANSWER:
            assert decision.options[0].id == entry_id, text
    assert unresolved == []


def test_unrelated_questions_are_never_answered(shop_kb: KnowledgeBase) -> None:
    for text in UNRELATED:
        assert shop_kb.decide(text).kind is not DecisionKind.ANSWER, text


@pytest.mark.parametrize(
    "text",
    [
        "siapa presiden indonesia sekarang",
        "how do i bake a chocolate cake",
        "jadwal kereta ke bogor",
    ],
)
def test_clearly_unrelated_question_gets_no_match(shop_kb: KnowledgeBase, text: str) -> None:
    assert shop_kb.decide(text).kind is DecisionKind.NO_MATCH


def test_ambiguous_question_is_clarified_with_the_close_entries(shop_kb: KnowledgeBase) -> None:
    decision = shop_kb.decide("refund")
    assert decision.kind is DecisionKind.CLARIFY
    assert 2 <= len(decision.options) <= 3
    assert {"refund-how", "refund-status"} <= {e.id for e in decision.options}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("pagi kak", "greeting"),
        ("Halooo min", "greeting"),
        ("selamat malam, saya mau tanya", "greeting"),
        ("good morning", "greeting"),
        ("makasih min", "thanks"),
        ("tq", "thanks"),
        ("ok sip", "thanks"),
        ("Terima kasih atas bantuannya ya kak", "thanks"),
        ("thank you so much!", "thanks"),
        ("👍", "thanks"),
        ("dadah kak", "goodbye"),
        ("ok thanks bye", "goodbye"),
    ],
)
def test_small_talk(shop_kb: KnowledgeBase, text: str, kind: str) -> None:
    decision = shop_kb.decide(text)
    assert decision.kind is DecisionKind.SMALL_TALK
    assert decision.small_talk == kind


@pytest.mark.parametrize(
    "text", ["halo, cara refund gimana?", "selamat pagi kak, pesanan saya belum sampai"]
)
def test_a_greeting_before_a_question_is_a_question(shop_kb: KnowledgeBase, text: str) -> None:
    assert shop_kb.decide(text).kind is not DecisionKind.SMALL_TALK


def test_answer_language_follows_the_message(shop_kb: KnowledgeBase) -> None:
    assert shop_kb.decide("gmn cara batalin pesanan", platform_language="en-US").language == "id"
    assert shop_kb.decide("how to cancel my order", default_language="id").language == "en"
    assert shop_kb.decide("refund", platform_language="en-US").language == "en"


def test_handoff_entries_are_answered_like_any_other(shop_kb: KnowledgeBase) -> None:
    decision = shop_kb.decide("produknya gak sesuai pesanan")
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry is not None and decision.entry.handoff


def test_rank_gives_one_match_per_entry_best_first(shop_kb: KnowledgeBase) -> None:
    ranking = shop_kb.rank("refund belum masuk", k=5)
    ids = [m.entry.id for m in ranking]
    assert ids[0] == "refund-status"
    assert len(ids) == len(set(ids))
    assert [m.score for m in ranking] == sorted((m.score for m in ranking), reverse=True)
    assert all(0 < m.score <= 1 for m in ranking)


def test_get_and_entries(shop_kb: KnowledgeBase, shop_entries: tuple[SopEntry, ...]) -> None:
    assert shop_kb.entries == shop_entries
    assert shop_kb.get("refund-how") is shop_entries[0]
    assert shop_kb.get("missing") is None


WARRANTY = SopEntry(
    id="warranty",
    title="Garansi produk",
    questions={
        "id": ("Berapa lama garansi produk?", "ada garansinya gak"),
        "en": ("How long is the warranty?", "is there a guarantee"),
    },
    answers={"id": "Garansi resmi 1 tahun.", "en": "One-year official warranty."},
)


def test_with_extra_makes_an_approved_entry_answerable_at_once(shop_kb: KnowledgeBase) -> None:
    assert shop_kb.decide("garansinya berapa lama kak?").kind is not DecisionKind.ANSWER
    updated = shop_kb.with_extra([WARRANTY])
    decision = updated.decide("garansinya berapa lama kak?")
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry == WARRANTY
    assert len(updated) == len(shop_kb) + 1
    assert shop_kb.get("warranty") is None  # the old knowledge base is unchanged


def test_with_extra_replaces_an_entry_with_the_same_id(shop_kb: KnowledgeBase) -> None:
    old = shop_kb.get("opening-hours")
    assert old is not None
    newer = SopEntry(
        id="opening-hours",
        title=old.title,
        questions=old.questions,
        answers={"id": "CS buka 24 jam.", "en": "Support is open 24/7."},
    )
    updated = shop_kb.with_extra([newer])
    assert len(updated) == len(shop_kb)
    assert [e.id for e in updated.entries] == [e.id for e in shop_kb.entries]
    decision = updated.decide("cs buka jam brp?")
    assert decision.entry is not None
    assert decision.entry.answer_in("en") == "Support is open 24/7."


def test_empty_knowledge_base_knows_nothing() -> None:
    kb = KnowledgeBase.build([])
    assert kb.decide("refund?").kind is DecisionKind.NO_MATCH
    assert kb.rank("refund?") == []


def _match(entry_id: str, score: float) -> Match:
    return Match(SopEntry(id=entry_id, title=entry_id, questions={}, answers={}), score)


def test_decision_rule_on_confidence_and_scores() -> None:
    rule = ModeThresholds(confidence=0.9, clarify_score=0.3, option_window=0.3)
    answer = decide([_match("a", 0.9), _match("b", 0.4)], rule, "id", confidence=0.95)
    assert answer.kind is DecisionKind.ANSWER and answer.entry is not None and answer.confidence == 0.95
    alone = decide([_match("a", 0.7)], rule, "id", confidence=0.92)
    assert alone.kind is DecisionKind.ANSWER
    unsure_alone = decide([_match("a", 0.7)], rule, "id", confidence=0.5)
    assert unsure_alone.kind is DecisionKind.NO_MATCH  # nothing to choose between, not sure enough
    close = decide(
        [_match("a", 0.9), _match("b", 0.7), _match("c", 0.65), _match("d", 0.6)], rule, "id", confidence=0.6
    )
    assert close.kind is DecisionKind.CLARIFY
    assert [e.id for e in close.options] == ["a", "b", "c"]
    two = decide([_match("a", 0.6), _match("b", 0.5), _match("c", 0.2)], rule, "en", confidence=0.3)
    assert [e.id for e in two.options] == ["a", "b"]
    # below the bar for options nothing is answered, however sure the model
    assert decide([_match("a", 0.25)], rule, "id", confidence=0.99).kind is DecisionKind.NO_MATCH
    assert decide([], rule, "id").kind is DecisionKind.NO_MATCH
    assert DecisionThresholds().for_mode(semantic=False) != DecisionThresholds().for_mode(
        semantic=True
    )


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [("how to batalin order kak", "order-cancel"), ("cancel pesanan bisa?", "order-cancel")],
)
def test_mixed_language_messages(shop_kb: KnowledgeBase, text: str, entry_id: str) -> None:
    decision = shop_kb.decide(text)
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry is not None and decision.entry.id == entry_id
