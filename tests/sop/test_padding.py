"""Questions wrapped in greetings, introductions, stories and thanks (issue #12: robust to padding).

Given the sample SOP as a plain install answers from it, a customer who writes
"selamat malam kak, maaf ganggu, saya Budi dari Bekasi. <question> makasih ya
kak 🙏" gets the reply the bare question gets; words the SOP does not know that
are *not* filler ("tiket pesawat" in a shop) still keep an uncovered question out
of answers and buttons.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.padding import pad
from bot.sop.analysis import default_analyzer
from bot.sop.knowledge import KnowledgeBase
from bot.sop.model import DecisionKind
from tests.conftest import make_settings
from tests.support.harness import Harness

PADDED = [
    ("ongkir ke surabaya berapa ya?",
     "selamat malam kak, maaf ganggu, saya Budi dari Bekasi. ongkir ke surabaya berapa ya? makasih ya kak 🙏"),
    ("bisa bayar pakai cod?", "halo kak, nama saya Wulan, sy Wulan dr Tegal. bisa bayar pakai cod? makasih sebelumnya"),
    ("cara refund gimana kak?",
     "permisi min, saya Rina dari Garut. cara refund gimana kak? ditunggu balasannya kak 😊"),
]  # fmt: skip


@pytest.mark.parametrize(("plain", "padded"), PADDED)
def test_a_padded_question_gets_the_answer_the_bare_question_gets(
    sample_hybrid_kb: KnowledgeBase, plain: str, padded: str
) -> None:
    bare = sample_hybrid_kb.decide(plain)
    wrapped = sample_hybrid_kb.decide(padded)
    assert bare.kind is DecisionKind.ANSWER
    assert (wrapped.kind, wrapped.entry) == (bare.kind, bare.entry)


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("selamat malam kak, maaf ganggu, saya Budi dari Bekasi. ongkir berapa?", "ongkir berapa?"),
        ("hi there, sorry to bother you. I'm John from Leeds, my card was declined, why? thanks a lot",
         "my card was declined, why?"),
        ("pagi kak, mau nanya, paket saya belum sampai. makasih ya kak 🙏", "paket saya belum sampai."),
    ],
)  # fmt: skip
def test_greeting_introduction_and_thanks_clauses_are_left_out(text: str, content: str) -> None:
    assert default_analyzer().content(text) == content


def test_a_clause_that_asks_or_tells_something_is_kept() -> None:
    analyzer = default_analyzer()
    # a question word keeps a clause; a story is content, not filler
    assert analyzer.content("halo kak, kenapa ya?") == "kenapa ya?"
    assert "tiket pesawat" in analyzer.content("halo kak, kemarin adik saya beli tiket pesawat. bisa refund?")


def test_a_name_after_saya_is_context_not_topic() -> None:
    analysis = default_analyzer().analyse("temen saya Hendra katanya paketnya belum sampai")
    assert dict(zip(analysis.terms, analysis.context, strict=True))["hendra"] is True
    assert "paket" in analysis.terms and not dict(zip(analysis.terms, analysis.context, strict=True))["paket"]


@pytest.mark.parametrize(
    "text",
    [
        "berapa harga tiket pesawat ke bali bulan depan?",
        "halo kak, saya Budi dari Bekasi. berapa harga tiket pesawat ke bali bulan depan? makasih",
    ],
)
def test_an_uncovered_question_sharing_a_topic_word_gets_neither_an_answer_nor_buttons(
    sample_hybrid_kb: KnowledgeBase, text: str
) -> None:
    assert sample_hybrid_kb.decide(text).kind is DecisionKind.NO_MATCH


def test_words_alone_are_unchanged_by_the_unknown_word_rule(sample_hybrid_kb: KnowledgeBase) -> None:
    # without an encoder, words no entry knows still lower every score (the rule is the encoder's)
    lexical = KnowledgeBase.build(sample_hybrid_kb.entries)
    plain = lexical.scores("ongkir ke surabaya berapa ya?")
    with_story = lexical.scores("ongkir buat kado ulang tahun berapa ya?")
    assert float(with_story.max()) < float(plain.max())


def test_padding_is_repeatable_keeps_the_question_and_names_no_brand() -> None:
    brands = default_analyzer().lexicon.brands
    question = "paket saya belum sampai, gimana?"
    padded = [pad(question, seed=seed) for seed in range(40)]
    assert padded == [pad(question, seed=seed) for seed in range(40)]
    assert all(question in text and text != question for text in padded)
    assert not {word for text in padded for word in default_analyzer().standard_words(text)} & brands
    assert all(pad("where is my card?", seed=seed, language="en").count("where is my card?") == 1 for seed in range(10))


CONVO_SOP = Path(__file__).parent.parent / "data" / "sop_convo"  # "toko" is in one entry only (a scam report)
COD_ID = "COD tersedia untuk pesanan sampai Rp2.000.000, Kak."
MISS_ID = "Maaf, pertanyaan ini belum ada di panduan kami, jadi saya tidak ingin menebak."


async def test_through_the_bot_a_padded_question_is_answered_and_a_padded_uncovered_one_is_a_miss(
    sqlite_database_url: str,
) -> None:
    bot = await Harness.open(make_settings(sqlite_database_url, support={"sop_dir": CONVO_SOP}))
    try:
        assert (await bot.say("bisa bayar di tempat (COD)?")).text == COD_ID
        padded = await bot.say("selamat malam kak, maaf ganggu, saya Budi dari Bekasi. bisa bayar di tempat (COD)? "
                               "makasih ya kak 🙏", user="cust2")
        assert padded.text == COD_ID
        # "toko" is the one word it shares with an entry; "tiket pesawat" is no filler: not ours, no buttons
        miss = await bot.say("halo kak, saya Budi dari Bekasi. apakah toko melayani pemesanan tiket pesawat? "
                             "makasih 🙏", user="cust3")
        assert miss.text.startswith(MISS_ID)
        assert miss.buttons == ["Kontak CS"]
    finally:
        await bot.close()
