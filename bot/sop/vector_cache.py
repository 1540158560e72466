"""The SOP's paraphrase vectors kept on disk, so a start or a reload encodes only new texts.

`bot chat` and every worker of `bot run` build the knowledge base when they
start; with the semantic mode on by default that means encoding every title and
paraphrase of the SOP (about a thousand in the sample SOP, a hundred thousand at
10,000 entries). The vectors depend only on the model and the text, so they are
kept in one file per model in `support.model_cache`, keyed by a hash of the text.

The file is a numpy structured array (key, vector) read through a memory map:
looking up a thousand vectors reads a thousand rows, and the operating system's
page cache, not the process, holds the rest. A build that encoded new texts
writes a whole new file beside the old one and renames it into place, so a
worker starting at the same moment sees the old file or the new one, never half.
Messages never touch the disk (`encode_queries`, also for a batch of them
encoded ahead): the encoder's recent-message cache serves repeats.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.sop.semantic import Encoder, FloatMatrix

log = logging.getLogger("bot.sop.vectors")

MAX_VECTORS = 250_000  # ~500 MB of 512-dimension float32: past it, texts no current SOP uses go
KEY_BYTES = 32  # a 16-byte digest in hex: numpy's bytes type drops trailing zero bytes, hex has none


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES // 2).hexdigest().encode("ascii")


class PersistentVectors:
    """Wraps an encoder that has a `cache_key`: batches (SOP builds) are looked up on disk first.

    Customers' messages go through `encode_queries`, straight to the encoder.
    """

    def __init__(self, encoder: Encoder, directory: Path, *, max_vectors: int = MAX_VECTORS) -> None:
        key = getattr(encoder, "cache_key", None)
        if not key:
            raise ValueError("only an encoder with a cache_key can keep its vectors on disk")
        self._encoder = encoder
        self.cache_key: str = key
        self.path = directory / f"vectors-{key}.npy"
        self._max_vectors = max_vectors
        self._warned = False

    def encode_queries(self, texts: Sequence[str]) -> FloatMatrix:
        """Customers' messages, one or a batch encoded ahead: never looked up on or written to
        disk (they are not the SOP's, and a customer's words stay out of files)."""
        encode = getattr(self._encoder, "encode_queries", None) or self._encoder.encode
        return encode(texts)

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        if len(texts) <= 1:
            return self._encoder.encode(texts)
        keys = [text_key(text) for text in texts]
        stored = self._read()
        rows = _row_index(stored)
        found = [rows.get(key, -1) for key in keys]
        missing = sorted({text for text, row in zip(texts, found, strict=True) if row < 0})
        fresh: dict[bytes, npt.NDArray[np.float32]] = {}
        if missing:
            fresh = dict(zip((text_key(t) for t in missing), self._encoder.encode(missing), strict=True))
        dimension = (
            next(iter(fresh.values())).shape[0] if fresh else (stored["vector"].shape[1] if stored is not None else 0)
        )
        out = np.empty((len(texts), dimension), np.float32)
        for position, (key, row) in enumerate(zip(keys, found, strict=True)):
            out[position] = stored["vector"][row] if row >= 0 and stored is not None else fresh[key]
        if fresh:
            self._write(stored, fresh, set(keys))
        return out

    def _read(self) -> Any:
        """The stored (key, vector) rows, memory-mapped, or None when there are none (or they are unreadable)."""
        try:
            stored = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("vector cache %s unreadable, encoding afresh: %s", self.path, error)
            return None
        if stored.dtype.names != ("key", "vector") or stored.ndim != 1:
            log.warning("vector cache %s has an unknown layout, encoding afresh", self.path)
            return None
        return stored

    def _write(self, stored: Any, fresh: dict[bytes, npt.NDArray[np.float32]], current: set[bytes]) -> None:
        dimension = next(iter(fresh.values())).shape[0]
        dtype = np.dtype([("key", f"S{KEY_BYTES}"), ("vector", np.float32, (dimension,))])
        old = stored if stored is not None and stored["vector"].shape[1] == dimension else np.zeros(0, dtype)
        if len(old) + len(fresh) > self._max_vectors:
            # keep what this build uses; older texts go first
            keep = np.fromiter((bytes(key) in current for key in old["key"]), bool, len(old))
            old = old[keep]
        rows = np.empty(len(old) + len(fresh), dtype)
        rows[: len(old)] = old
        rows["key"][len(old) :] = list(fresh)
        rows["vector"][len(old) :] = np.stack(list(fresh.values()))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    np.save(file, rows, allow_pickle=False)
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            if not self._warned:
                log.warning("vector cache %s not written (the SOP is encoded at each start): %s", self.path, error)
                self._warned = True


def _row_index(stored: Any) -> dict[bytes, int]:
    if stored is None:
        return {}
    return {bytes(key): row for row, key in enumerate(stored["key"].tolist())}
