from __future__ import annotations

from bot.sop.analysis import default_analyzer
from bot.sop.lexicon import default_lexicon
from bot.sop.text import normalise, words


def test_normalise_folds_styled_letters_and_drops_invisible_characters() -> None:
    assert normalise("Ｒｅｆｕｎｄ\u200b ＫＡＫ") == "refund kak"
    assert normalise("𝐫𝐞𝐟𝐮𝐧𝐝") == "refund"


def test_words_expand_contractions_and_reduplication() -> None:
    assert words("I can't log in, it won\u2019t work") == [
        "i",
        "can",
        "not",
        "log",
        "in",
        "it",
        "will",
        "not",
        "work",
    ]
    assert words("kartu2 dan barang-barang") == ["kartu", "dan", "barang"]


def test_colloquial_indonesian_reaches_the_same_terms_as_standard() -> None:
    analyzer = default_analyzer()
    chat = analyzer.terms("gmn sy blm dpt pesenan nya kak??")
    formal = analyzer.terms("Bagaimana, saya belum mendapatkan pesanan")
    assert chat == formal == ["bagaimana", "belum", "dapat", "pesan"]


def test_jakarta_verb_forms_and_elongations() -> None:
    analyzer = default_analyzer()
    assert analyzer.standard_words("batalin orderan") == ["batal", "pesanan"]
    assert analyzer.standard_words("nyariin resi") == ["cari", "resi"]
    assert analyzer.standard_words("halooo kakkk makasihh") == ["halo", "kak", "terima", "kasih"]
    assert analyzer.standard_words("vouchernya gak bisa") == ["voucher", "tidak", "bisa"]


def test_english_and_indonesian_words_get_their_own_stemmer() -> None:
    analyzer = default_analyzer()
    assert analyzer.terms("cancelled charges") == analyzer.terms("cancel charge")
    assert analyzer.terms("pembayaran dikirimkan") == ["bayar", "kirim"]
    # English words are not mistaken for Indonesian affixes ("di-" + "ning")
    assert analyzer.terms("dining") == ["dine"]


def test_phrases_written_apart_or_together_meet() -> None:
    analyzer = default_analyzer()
    assert analyzer.terms("I can't log in") == analyzer.terms("cannot login")
    assert analyzer.terms("top up failed") == analyzer.terms("topup failed")


def test_negations_and_question_words_are_not_stopwords() -> None:
    stopwords = default_lexicon().stopwords
    for word in ("tidak", "belum", "not", "no", "berapa", "kapan", "why", "how"):
        assert word not in stopwords


def test_colloquial_lexicon_has_no_word_mapping_to_itself() -> None:
    for informal, standard in default_lexicon().colloquial.items():
        assert standard != (informal,), informal


def test_a_word_and_its_translation_become_one_term() -> None:
    analyzer = default_analyzer()
    assert analyzer.terms("mau cancel pesanan") == analyzer.terms("mau batalkan pesanan")
    assert analyzer.terms("payment failed") == analyzer.terms("pembayaran gagal")
    assert analyzer.terms("I want to buy") == analyzer.terms("I want to purchase")


def test_the_bridge_never_chains_or_joins_two_groups() -> None:
    analyzer = default_analyzer()
    bridge = analyzer.bridge
    assert bridge  # the shipped list is read
    assert not set(bridge.values()) & set(bridge)


def test_a_misspelt_english_word_still_finds_its_bridged_term() -> None:
    from bot.sop.lexical import LexicalIndex
    from bot.sop.model import SopEntry

    entry = SopEntry(
        id="ship",
        title="Pengiriman",
        questions={"en": ("how long does shipping take",), "id": ("berapa lama pengiriman",)},
        answers={"en": "x", "id": "x"},
    )
    index = LexicalIndex([entry], default_analyzer())
    query = index.query_terms("shiping")  # stem "shipe", one letter from "ship"
    assert list(query.words) == [index.vocabulary["kirim"]] and not query.unknown_weight
