"""A batch's messages encoded in one encoder call decide exactly as each encoded alone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.config import PROJECT_ROOT, SAMPLE_SOP_DIR
from bot.sop.knowledge import KnowledgeBase
from bot.sop.loader import load_sop
from bot.sop.model import Decision
from bot.sop.semantic import Encoder, MessageVectors, RecentEncodings
from bot.sop.usem3_encoder import Usem3Encoder
from bot.sop.vector_cache import PersistentVectors

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"
TOKONUSA = PROJECT_ROOT / "bench" / "datasets" / "tokonusa" / "messages.yaml"


class CallLog:
    """Passes every call on to the real encoder and writes down how many texts each carried."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self.cache_key: str = getattr(encoder, "cache_key", "")
        self.message_calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.message_calls.append(len(texts))
        encode = getattr(self._encoder, "encode_queries", None) or self._encoder.encode
        return np.asarray(encode(texts))


class OneByOne:
    """Encodes every message in a call of its own, as the bot did before encoding ahead."""

    def __init__(self, encoder: PersistentVectors) -> None:
        self._encoder = encoder
        self.cache_key = encoder.cache_key

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self._encoder.encode_queries([text]) for text in texts]
        return np.concatenate(rows) if rows else np.zeros((0, 512), np.float32)


def customer_messages() -> list[str]:
    """The sample SOP's held-out messages and the colloquial TokoNusa set: what customers write."""
    texts = [case["text"] for case in yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]]
    texts += [case["text"] for case in yaml.safe_load(TOKONUSA.read_text(encoding="utf-8"))["cases"]]
    return list(dict.fromkeys(texts))


def same_decision(alone: Decision, ahead: Decision) -> bool:
    return (
        alone.kind is ahead.kind
        and alone.language == ahead.language
        and [m.entry.id for m in alone.matches] == [m.entry.id for m in ahead.matches]
        and [e.id for e in alone.options] == [e.id for e in ahead.options]
        and alone.confidence == pytest.approx(ahead.confidence, abs=1e-4)
    )


@pytest.fixture(scope="module")
def sample_entries() -> tuple:  # type: ignore[type-arg]
    load = load_sop(SAMPLE_SOP_DIR)
    assert load.ok
    return load.entries


def test_messages_encoded_ahead_get_the_decisions_they_get_alone(
    sample_entries: tuple, default_encoder: Encoder | None  # type: ignore[type-arg]
) -> None:
    if not isinstance(default_encoder, PersistentVectors):
        pytest.skip("the default encoder is not installed")
    texts = customer_messages()
    assert len(texts) > 500
    vectors = default_encoder.path.parent  # the SOP's vectors, encoded once for the session

    def forgetful() -> PersistentVectors:
        """USE with no recent-message cache: every message is encoded, alone or with its batch."""
        return PersistentVectors(Usem3Encoder(cache_size=0), vectors)

    alone_kb = KnowledgeBase.build(sample_entries, encoder=OneByOne(forgetful()))
    log = CallLog(forgetful())
    ahead_kb = KnowledgeBase.build(sample_entries, encoder=log)
    differing = []
    for start in range(0, len(texts), 50):  # batches as the core sees them under load
        batch = texts[start : start + 50]
        ahead_kb.prepare(batch)
        encoded_ahead = len(log.message_calls)
        for text in batch:
            if not same_decision(alone_kb.decide(text), ahead_kb.decide(text)):
                differing.append(text)
        assert len(log.message_calls) == encoded_ahead, "a message prepared ahead was encoded again"
    assert differing == []
    # one encoder call per batch for the messages (and their question parts), not one each
    assert len(log.message_calls) == -(-len(texts) // 50)


def test_a_long_message_and_its_question_parts_are_encoded_in_one_call(
    sample_entries: tuple, default_encoder: Encoder | None  # type: ignore[type-arg]
) -> None:
    if not isinstance(default_encoder, PersistentVectors):
        pytest.skip("the default encoder is not installed")
    story = ("kak sy Dewi dari Klaten, mau buat akun tp bingung mulainya dr mana. trus katanya ada "
             "voucher buat pengguna baru ya? brp itu")
    vectors = default_encoder.path.parent
    forgetful = PersistentVectors(Usem3Encoder(cache_size=0), vectors)
    alone = KnowledgeBase.build(sample_entries, encoder=OneByOne(forgetful))
    log = CallLog(PersistentVectors(Usem3Encoder(cache_size=0), vectors))
    together = KnowledgeBase.build(sample_entries, encoder=log)
    assert same_decision(alone.decide(story), together.decide(story))
    assert len(log.message_calls) == 1 and log.message_calls[0] >= 2  # the story and its question parts


def test_a_knowledge_base_without_an_encoder_prepares_nothing(sample_entries: tuple) -> None:  # type: ignore[type-arg]
    kb = KnowledgeBase.build(sample_entries)
    kb.prepare(["ongkir ke bandung berapa", "cara refund"])
    assert kb.decide("cara refund").kind is KnowledgeBase.build(sample_entries).decide("cara refund").kind


def toy_encode(texts: Sequence[str]) -> np.ndarray:
    return np.asarray([[len(text), 1.0] for text in texts], np.float32)


def test_vectors_encoded_ahead_hold_one_batch_each_text_once() -> None:
    calls: list[list[str]] = []

    def encode(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return toy_encode(texts)

    ahead = MessageVectors(size=3)
    ahead.fill(["a", "bb", "a"], encode)
    assert calls == [["a", "bb"]] and ahead.get("bb") is not None
    ahead.fill(["ccc", "dddd"], encode)  # the next batch replaces it
    assert ahead.get("a") is None and ahead.get("dddd")[0] == 4  # type: ignore[index]
    ahead.fill([f"x{i}" for i in range(10)], encode)  # a batch larger than the bound
    assert len(calls[-1]) == 3 and len(ahead) == 3
    ahead.fill(["a", "bb"], encode)
    ahead.add(["bb", "ccc", "dddd"], encode)  # beside the batch, the first ones going past the bound
    assert calls[-1] == ["ccc", "dddd"] and ahead.get("a") is None and ahead.get("bb") is not None


def test_recent_messages_are_not_encoded_again_and_the_rest_in_one_call() -> None:
    calls: list[list[str]] = []

    def encode(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return toy_encode(texts)

    recent = RecentEncodings(encode, size=3)
    first = recent.encode_messages(["halo", "cara refund"])
    again = recent.encode_messages(["cara refund", "ongkir", "ongkir", "halo"])
    assert calls == [["halo", "cara refund"], ["ongkir"]]
    assert again[:, 0].tolist() == [11, 6, 6, 4] and np.array_equal(again[0], first[1])
    assert recent.encode(["sop one", "sop two"]).shape == (2, 2) and calls[-1] == ["sop one", "sop two"]
    recent.encode_messages(["lupa password"])  # the least recently asked ("cara refund") goes
    recent.encode_messages(["cara refund"])
    assert calls[-1] == ["cara refund"]
    recent.size = 0  # remembers nothing
    recent.encode_messages(["halo", "halo"])
    assert calls[-1] == ["halo"]


def test_messages_encoded_ahead_never_reach_the_vector_file(tmp_path: Path) -> None:
    class Toy:
        cache_key = "toy-1"

        def encode(self, texts: Sequence[str]) -> np.ndarray:
            return toy_encode(texts)

    vectors = PersistentVectors(Toy(), tmp_path)
    assert vectors.encode_queries(["nomor hp saya 08123", "alamat saya jl melati"]).shape == (2, 2)
    assert list(tmp_path.iterdir()) == []  # a customer's words stay out of files
    vectors.encode(["sop title", "sop question"])
    assert [path.name for path in tmp_path.iterdir()] == ["vectors-toy-1.npy"]


def test_the_index_runs_blas_on_one_thread_and_gives_the_count_back() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from bot.sop.semantic import one_blas_thread

    def blas_threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]

    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if not blas_threads() or max(blas_threads()) < 2:
            pytest.skip("this BLAS cannot run two threads here")
        with one_blas_thread():
            assert blas_threads() and max(blas_threads()) == 1
        assert max(blas_threads()) == 2
