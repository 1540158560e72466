"""The pure parts behind the conversation details: typed numbers, option labels, emoji, languages."""

from __future__ import annotations

import pytest

from bot.config import PROJECT_ROOT
from bot.handlers.choices import MAX_LABEL, option_labels, typed_number
from bot.handlers.reactions import Reaction, emoji_only, reaction_of
from bot.sop.model import SopEntry
from bot.sop.other_language import REGIONAL, courtesy_kind, marker_language, other_language, script_language


def entry(entry_id: str, *questions: str, title: str = "", en: tuple[str, ...] = ()) -> SopEntry:
    return SopEntry(
        id=entry_id,
        title=title or entry_id,
        questions={"id": questions, "en": en},
        answers={"id": f"{entry_id} id", "en": f"{entry_id} en"},
    )


# ---- typed numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("2", 2), (" 3. ", 3), ("1)", 1), ("#2", 2), ("no. 2 kak", 2), ("nomor 3", 3), ("pilih 1", 1),
     ("yg 2 aja", 2), ("0", 0), ("12", 12), ("2\ufe0f\u20e3", 2)],
)
def test_a_number_typed_to_choose_is_read(text: str, number: int) -> None:
    assert typed_number(text) == number


@pytest.mark.parametrize("text", ["123", "TN-261015-00123", "2 barang", "beli 2", "2x", "jam 2", "", "dua"])
def test_other_messages_with_numbers_are_not_a_choice(text: str) -> None:
    assert typed_number(text) is None


# ---- option labels -----------------------------------------------------------------------------


def test_the_question_closest_to_the_message_labels_the_option() -> None:
    methods = entry("methods", "Metode pembayaran apa saja yang tersedia?", "bayarnya bisa pakai gopay gak?")
    expired = entry("expired", "Virtual account saya sudah kedaluwarsa, bagaimana?", "va nya expired kak")
    labels = option_labels([methods, expired], "kak mau tanya soal bayar pakai gopay bisa ga", "id")
    assert labels == ["Bayarnya bisa pakai gopay gak?", "Virtual account saya sudah kedaluwarsa, bagaimana?"]


def test_a_question_naming_things_the_customer_did_not_say_is_not_used() -> None:
    cost = entry("cost", "Berapa ongkos kirimnya?", "ongkir ke jakarta brp kak")
    assert option_labels([cost], "ongkir ke bandung berapa", "id") == ["Berapa ongkos kirimnya?"]


def test_forms_of_address_are_trimmed_from_a_label() -> None:
    promo = entry("promo", "Kode promo saya tidak bisa digunakan", "kak voucher nya gak bisa dipake kak?")
    assert option_labels([promo], "voucher gak bisa dipake", "id") == ["Voucher nya gak bisa dipake?"]


def test_a_question_too_long_for_a_button_falls_back_to_the_first_question() -> None:
    long_question = "pesanan saya " + "sudah lama sekali " * 5 + "belum sampai"
    assert len(long_question) > MAX_LABEL
    late = entry("late", "Paket saya terlambat", long_question)
    assert option_labels([late], long_question, "id") == ["Paket saya terlambat"]


def test_two_options_never_get_the_same_label() -> None:
    first = entry("first", "Apa itu A?", "status pesanan")
    second = entry("second", "Apa itu B?", "status pesanan?")
    labels = option_labels([first, second], "status pesanan", "id")
    assert labels == ["Status pesanan", "Apa itu B?"]


def test_without_questions_in_the_language_the_title_labels_the_option() -> None:
    only_indonesian = entry("x", "Bagaimana cara refund?", title="Cara refund")
    assert option_labels([only_indonesian], "how do i get a refund", "en") == ["Cara refund"]


# ---- emoji ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reaction"),
    [
        ("👍", Reaction.THANKS),
        ("👍🏻👍🏻", Reaction.THANKS),
        ("🙏", Reaction.THANKS),
        ("❤️", Reaction.THANKS),
        ("👋", Reaction.GREETING),
        ("😡", Reaction.UPSET),
        ("👍😡", Reaction.UPSET),
        ("😭😭😭", Reaction.UPSET),
        ("🤔", Reaction.OTHER),
        ("👨‍👩‍👧", Reaction.OTHER),
        ("🇮🇩", Reaction.OTHER),
        ("?? 🤔 !!", Reaction.OTHER),
    ],
)
def test_emoji_only_messages_are_read_as_reactions(text: str, reaction: Reaction) -> None:
    assert reaction_of(text) is reaction


@pytest.mark.parametrize("text", ["ok 👍", "2 👍", "", "   ", "?!", "makasih 🙏", "👍 refund?"])
def test_messages_with_words_are_not_reactions(text: str) -> None:
    assert not emoji_only(text)
    assert reaction_of(text) is None


# ---- other languages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("piye carane mbalekake barang sing rusak", "jv"),
        ("kulo badhe tanglet, pripun carane bayar", "jv"),
        ("punten, kumaha carana mayar", "su"),
        ("macam mana nak pulangkan barang yang rosak", "ms"),
        ("Wie kann ich meine Bestellung zurückgeben", "de"),
        ("Bonjour, je voudrais savoir où est ma commande", "fr"),
        ("¿Dónde está mi pedido?", "es"),
        ("paano ako magbabayad, salamat", "tl"),
    ],
)
def test_marker_words_show_another_language(text: str, language: str) -> None:
    assert other_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("我的订单在哪里", "zh"), ("注文はどこですか", "ja"), ("Где мой заказ?", "ru"), ("طلبي لم يصل", "ar"),
     ("주문이 어디 있어요", "ko"), ("คำสั่งซื้อของฉันอยู่ที่ไหน", "th")],
)
def test_the_script_shows_another_language(text: str, language: str) -> None:
    assert script_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "bagaimana cara refund?",
        "How do I get a refund?",
        "pesanan sy kok blm dikirim sih, udh 3 hari",
        "piye kak paket sy blm nyampe",  # one Javanese word in Indonesian chat
        "wis tak bayar kok belum dikonfirmasi",
        "mon maaf kak, pas bayar kok gagal ya",
        "barang PO kapan dikirim",
        "refund",
        "👍",
        "Pesanan TN-261015-00123 à Bandung",
    ],
)
def test_indonesian_and_english_are_not_another_language(text: str) -> None:
    assert other_language(text) is None


def test_a_message_mostly_in_latin_letters_is_judged_by_its_words() -> None:
    assert script_language("pesanan 订单 saya belum sampai kak") is None
    assert marker_language("") is None


def test_regional_languages_are_those_whose_speakers_read_indonesian() -> None:
    assert REGIONAL == {"jv", "su", "ms"}


@pytest.mark.parametrize(
    ("text", "kind"),
    [("matur suwun", "thanks"), ("nuhun kang", "thanks"), ("sugeng enjing", "greeting"), ("danke", "thanks"),
     ("salamat po", "thanks"), ("inggih mas", "ok"), ("sugeng enjing, matur nuwun", "thanks"), ("谢谢", "thanks")],
)
def test_courtesies_in_other_languages_are_read(text: str, kind: str) -> None:
    assert courtesy_kind(text) == kind


@pytest.mark.parametrize("text", ["nggih mas paket kulo dereng dugi", "mas", "", "matur suwun, refund kapan?"])
def test_a_courtesy_with_a_question_is_not_only_a_courtesy(text: str) -> None:
    assert courtesy_kind(text) is None


def test_no_sample_customer_message_is_taken_for_another_language() -> None:
    from bench.other_language_flags import flags

    row = flags(PROJECT_ROOT / "tests" / "data" / "sop_eval.yaml")  # 287 colloquial messages
    assert row["others"] > 200
    assert row["others_flagged_examples"] == []
