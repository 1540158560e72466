from __future__ import annotations

import pytest

from bot.sop.language import base_language, choose_language, detect_language


@pytest.mark.parametrize(
    "text",
    [
        "pagi kak",
        "gmn kak",
        "makasih min",
        "refund blm masuk",
        "sy g bs login",
        "halo, cara refund gimana?",
        "dikirim kapan",
        "lupa password",
        "verifikasi identitas",
    ],
)
def test_short_indonesian_messages(text: str) -> None:
    assert detect_language(text) == "id"


@pytest.mark.parametrize(
    "text",
    ["thanks", "pls help", "Where is my order?", "my card was declined", "can i pay cod"],
)
def test_short_english_messages(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["ok", "ok sip", "refund?", "👍", "hi", "top up", ""])
def test_no_evidence_means_no_guess(text: str) -> None:
    assert detect_language(text) is None


def test_platform_tags_reduce_to_their_base_language() -> None:
    assert base_language("en-US") == "en"
    assert base_language("id_ID") == "id"
    assert base_language("in") == "id"
    assert base_language(None) is None


def test_answer_language_is_message_then_platform_then_default() -> None:
    assert choose_language("berapa ongkirnya?", "en-US", "en") == "id"
    assert choose_language("refund?", "en-GB", "id") == "en"
    assert choose_language("refund?", "ja", "id") == "id"  # unsupported platform language
    assert choose_language("👍", None, "en") == "en"
