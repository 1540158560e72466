"""The SOP's vectors are encoded once per model and text, and kept across starts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.sop.vector_cache import PersistentVectors


class CountingEncoder:
    cache_key = "toy-1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        out = np.asarray([[len(t), t.count("a") + 1.0, 1.0] for t in texts], np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_a_second_start_encodes_nothing_and_gets_the_same_vectors(tmp_path: Path) -> None:
    texts = ["cara refund", "ongkir berapa", "lupa password"]
    first = CountingEncoder()
    vectors = PersistentVectors(first, tmp_path).encode(texts)
    assert sorted(first.seen) == sorted(texts)
    again = CountingEncoder()
    assert np.array_equal(PersistentVectors(again, tmp_path).encode(texts), vectors)
    assert again.seen == []


def test_only_new_texts_are_encoded(tmp_path: Path) -> None:
    PersistentVectors(CountingEncoder(), tmp_path).encode(["a", "b"])
    encoder = CountingEncoder()
    PersistentVectors(encoder, tmp_path).encode(["a", "b", "c", "d"])
    assert sorted(encoder.seen) == ["c", "d"]


def test_single_messages_never_touch_the_disk(tmp_path: Path) -> None:
    PersistentVectors(CountingEncoder(), tmp_path).encode(["halo kak"])
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_cache_file_is_encoded_afresh(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "vectors-toy-1.npy").write_bytes(b"not numpy at all")
    encoder = CountingEncoder()
    with caplog.at_level(logging.WARNING):
        vectors = PersistentVectors(encoder, tmp_path).encode(["x", "y"])
    assert vectors.shape == (2, 3) and sorted(encoder.seen) == ["x", "y"]
    assert "unreadable" in caplog.text


def test_an_unwritable_cache_still_answers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    with caplog.at_level(logging.WARNING):
        vectors = PersistentVectors(CountingEncoder(), blocked / "cache").encode(["x", "y"])
    assert vectors.shape == (2, 3)
    assert "not written" in caplog.text


def test_an_encoder_without_a_cache_key_is_refused(tmp_path: Path) -> None:
    class Anonymous:
        def encode(self, texts: Sequence[str]) -> np.ndarray:
            return np.zeros((len(texts), 2), np.float32)

    with pytest.raises(ValueError, match="cache_key"):
        PersistentVectors(Anonymous(), tmp_path)
