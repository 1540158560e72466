"""Conversation details around SOP answers (issue #12, point 4), as a customer lives them.

Numbers typed when no menu is open, the "none of these" button, options in the
customer's words, emoji and other languages, and asking for a person when no staff
chat is configured. Most tests use a small SOP (tests/data/sop_convo) in which
"ongkir" is a question two entries answer alike, so it always asks which was meant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import SAMPLE_SOP_DIR, Settings
from bot.handoff.triggers import asks_for_human
from bot.sop.loader import load_sop
from bot.sop.other_language import other_language
from bot.storage.models import ConversationState, SopGap, Ticket
from tests.conftest import make_settings
from tests.support.harness import Harness, Reply

CONVO_SOP = Path(__file__).parent / "data" / "sop_convo"
DESK_SOP = Path(__file__).parent / "handoff" / "sop"  # no contact entry
STAFF_CHAT = "telegram:-1001234567890"

CLARIFY_ID = "Maksud Kakak yang mana? Pilih salah satu:"
NO_OPEN_CHOICES = (
    "Maaf, saat ini tidak ada pilihan bernomor yang bisa dipilih. Silakan tulis pertanyaan Kakak dengan kalimat, ya."
)
FREE_SHIPPING = "Gratis ongkir untuk belanja minimal Rp100.000, Kak."
REGULAR_SHIPPING = "Ongkir reguler dihitung otomatis di checkout sesuai berat dan alamat, Kak."
COD = "COD tersedia untuk pesanan sampai Rp2.000.000, Kak."
CONTACTS_ID = "CS kami melayani Senin–Sabtu 08.00–20.00 WIB. Email cs@toko.example."
OTHER_LANGUAGE_ID = "Maaf, saya hanya bisa membantu dalam Bahasa Indonesia atau English."
OTHER_LANGUAGE_EN = "Sorry, I can only help in Indonesian (Bahasa Indonesia) or English."


def sample_answer(entry_id: str, language: str) -> str:
    entries = {entry.id: entry for entry in load_sop(SAMPLE_SOP_DIR).entries}
    return entries[entry_id].answers[language]


async def open_bot(database_url: str, sop: Path = CONVO_SOP, **sections: Any) -> Harness:
    return await Harness.open(make_settings(database_url, support={"sop_dir": sop, **sections.pop("support", {})},
                                            **sections))


@pytest.fixture
async def bot(sqlite_database_url: str) -> AsyncIterator[Harness]:
    """The small SOP, no staff chat."""
    harness = await open_bot(sqlite_database_url)
    yield harness
    await harness.close()


@pytest.fixture
async def sample_bot(settings: Settings) -> AsyncIterator[Harness]:
    """The sample SOP (TokoNusa), no staff chat: the bot as `bot chat` runs it."""
    harness = await Harness.open(settings)
    yield harness
    await harness.close()


async def clarify(bot: Harness, text: str = "ongkir") -> Reply:
    reply = await bot.say(text)
    assert reply.text == CLARIFY_ID, "the test SOP must ask which entry was meant"
    return reply


SHIPPING_ANSWERS = {"Ongkir reguler": REGULAR_SHIPPING, "Ongkir gratis": FREE_SHIPPING}


def answer_to_option(menu: Reply, number: int) -> str:
    """The answer behind option `number` of a clarification about shipping (either order is fine)."""
    return SHIPPING_ANSWERS[menu.buttons[number - 1]]


async def conversation_of(bot: Harness, chat: str = "cust1") -> ConversationState:
    async with bot.runtime.store.transaction() as tx:
        state = await tx.conversations.get(f"telegram:{chat}")
        assert state is not None
        return state


# ---- numbers: only an open menu can be answered with one -------------------------------------


@pytest.mark.parametrize("number", ["0", "5", "2"])
async def test_a_bare_number_with_no_menu_open_is_told_so_and_answers_nothing(
    sample_bot: Harness, number: str
) -> None:
    reply = await sample_bot.say(number)
    assert reply.text == NO_OPEN_CHOICES
    assert reply.buttons == []


async def test_a_number_picks_the_option_while_the_menu_is_open(bot: Harness) -> None:
    menu = await clarify(bot)
    assert (await bot.say("2")).text == answer_to_option(menu, 2)


async def test_a_number_after_the_customer_wrote_something_else_does_not_answer_the_old_menu(
    bot: Harness,
) -> None:
    await clarify(bot)
    assert "Ada yang bisa saya bantu" in (await bot.say("halo")).text
    reply = await bot.say("2")
    assert reply.text == NO_OPEN_CHOICES
    assert all(answer not in reply.text for answer in SHIPPING_ANSWERS.values())


async def test_a_menu_left_for_an_hour_is_closed(bot: Harness) -> None:
    await clarify(bot)
    bot.clock.advance(timedelta(minutes=61))
    assert (await bot.say("1")).text == NO_OPEN_CHOICES


async def test_a_menu_is_still_open_a_little_later(bot: Harness) -> None:
    menu = await clarify(bot)
    bot.clock.advance(timedelta(minutes=20))
    assert (await bot.say("1")).text == answer_to_option(menu, 1)


async def test_a_number_out_of_range_gets_a_hint_and_the_options_again(bot: Harness) -> None:
    first = await clarify(bot)
    hint = await bot.say("7")
    assert hint.text == (
        "Tidak ada pilihan nomor 7. Ketik nomor 1 sampai 3, atau tulis pertanyaan Kakak dengan kalimat."
    )
    assert hint.buttons == first.buttons
    assert (await bot.say("no. 2 kak")).text == answer_to_option(first, 2)


async def test_the_last_number_is_none_of_these(bot: Harness) -> None:
    await clarify(bot)
    reply = await bot.say("3")
    assert reply.text.startswith("Maaf, pertanyaan ini belum ada di panduan kami")


async def test_a_number_picks_the_follow_up_under_an_answer(bot: Harness) -> None:
    answer = await bot.say("bisa bayar pakai apa aja")
    assert answer.buttons == ["Info COD"]
    assert (await bot.say("1")).text == COD
    assert (await bot.say("1")).text == NO_OPEN_CHOICES  # the COD answer has no buttons: nothing open


async def test_a_keycap_emoji_number_is_a_number(bot: Harness) -> None:
    menu = await clarify(bot)
    assert (await bot.say("2\ufe0f\u20e3")).text == answer_to_option(menu, 2)


async def test_an_order_number_is_not_taken_for_a_choice(bot: Harness) -> None:
    await clarify(bot)
    reply = await bot.say("12345678")
    assert reply.text != NO_OPEN_CHOICES and "Tidak ada pilihan nomor" not in reply.text


# ---- the options themselves -----------------------------------------------------------------


async def test_none_of_these_reads_naturally_in_both_languages(bot: Harness) -> None:
    indonesian = await clarify(bot)
    assert indonesian.buttons[-1] == "Lainnya"
    english = await bot.say("shipping cost", user="cust2", language="en")
    assert english.text == "Which one did you mean? Please choose:"
    assert english.buttons[-1] == "None of these"


async def test_options_are_labelled_in_the_customers_words(bot: Harness) -> None:
    reply = await clarify(bot)
    # the entries' first questions are "Berapa biaya ongkir reguler?" and "Apa syarat
    # mendapatkan ongkir gratis?"; the customer wrote "ongkir"
    assert sorted(reply.buttons[:-1]) == ["Ongkir gratis", "Ongkir reguler"] and reply.buttons[-1] == "Lainnya"
    english = await bot.say("shipping cost", user="cust2", language="en")
    assert sorted(english.buttons[:-1]) == ["Free shipping cost", "Regular shipping cost"]
    assert english.buttons[-1] == "None of these"


# ---- emoji only -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("emoji", "expected"),
    [
        ("👍", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("🙏🙏", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("👍🏽", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("❤️", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("👋", "Halo Budi! 😊 Ada yang bisa saya bantu?"),
        ("🤔", "Ada yang bisa saya bantu, Kak? Silakan tulis pertanyaan Kakak."),
        ("🎁 !!", "Ada yang bisa saya bantu, Kak? Silakan tulis pertanyaan Kakak."),
    ],
)
async def test_an_emoji_only_message_gets_a_graceful_reply(bot: Harness, emoji: str, expected: str) -> None:
    assert (await bot.say(emoji)).text == expected


async def test_an_angry_emoji_gets_an_apology_and_a_way_to_the_team(bot: Harness) -> None:
    reply = await bot.say("😡")
    assert reply.text.startswith("Mohon maaf kalau ada yang kurang berkenan, Kak. Boleh ceritakan apa yang terjadi?")
    assert reply.buttons == ["Kontak CS"]
    assert "belum mengerti" not in reply.text and "lebih detail" not in reply.text


async def test_emoji_are_not_misses(bot: Harness) -> None:
    for emoji in ("😭", "😡", "🤔"):
        reply = await bot.say(emoji)
        assert "belum bisa membantu untuk pertanyaan ini" not in reply.text
    assert (await conversation_of(bot)).failed_attempts == 0
    async with bot.runtime.store.transaction() as tx:
        assert (await tx.session.execute(select(SopGap))).scalars().all() == []


# ---- other languages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "piye kabare, sampeyan wis mangan durung?",  # Javanese
        "punten, abdi hoyong naros ngeunaan kumaha carana ngadaptar",  # Sundanese
        "encik, saya nak sewa kereta, boleh ke?",  # Malay
    ],
)
async def test_a_regional_language_the_sop_does_not_cover_is_told_which_languages_we_speak(
    bot: Harness, text: str
) -> None:
    reply = await bot.say(text)
    assert reply.text.startswith(OTHER_LANGUAGE_ID)
    assert OTHER_LANGUAGE_EN not in reply.text  # people who write these read Indonesian


@pytest.mark.parametrize(
    "text", ["Ich habe eine Frage zu meinem Auto", "我的订单在哪里", "Где мой заказ?", "¿Dónde está mi perro?"]
)
async def test_a_foreign_language_is_answered_in_english_and_indonesian(bot: Harness, text: str) -> None:
    reply = await bot.say(text)
    assert reply.text.startswith(OTHER_LANGUAGE_EN)
    assert OTHER_LANGUAGE_ID in reply.text


async def test_an_other_language_miss_is_recorded_for_the_sop_team(bot: Harness) -> None:
    await bot.say("piye kabare, sampeyan wis mangan durung?")
    async with bot.runtime.store.transaction() as tx:
        gap = (await tx.session.execute(select(SopGap))).scalar_one()
    assert gap.last_outcome == "other_language"


async def test_a_javanese_question_the_sop_answers_is_answered(bot: Harness) -> None:
    text = "nyuwun sewu, email cs apa nggih?"
    assert other_language(text) == "jv"
    reply = await bot.say(text)
    assert not reply.text.startswith(OTHER_LANGUAGE_ID)
    assert reply.text == CONTACTS_ID or reply.button_data[0] == "sop:cs-contact"  # answered, or offered first


async def test_a_message_with_a_few_regional_words_is_still_treated_as_indonesian(bot: Harness) -> None:
    reply = await bot.say("piye kak, tiket pesawat ke bali ada?")
    assert reply.text.startswith("Maaf, pertanyaan ini belum ada di panduan kami")


# ---- asking for a person with no staff chat ----------------------------------------------------


@pytest.mark.parametrize("text", ["mau ngomong sama cs", "mau bicara dengan admin", "cs nya mana"])
async def test_asking_for_cs_without_a_staff_chat_gives_the_hours_and_contacts_from_the_sop(
    sample_bot: Harness, text: str
) -> None:
    reply = await sample_bot.say(text)
    assert reply.text.startswith(
        "Saya belum bisa menyambungkan Kakak ke tim CS dari chat ini, tapi ini jam layanan dan kontak mereka:"
    )
    assert sample_answer("cs-hours", "id").strip() in reply.text
    assert "coba lagi nanti" not in reply.text
    assert "https://tokonusa.example/kontak" in [b.url for s in reply.sends for b in s.buttons]


async def test_asking_for_a_human_in_english_gets_the_contacts_in_english(sample_bot: Harness) -> None:
    reply = await sample_bot.say("talk to a human")
    assert reply.text.startswith(
        "I can't connect you to our team from this chat, but here are their hours and contacts:"
    )
    assert sample_answer("cs-hours", "en").strip() in reply.text


async def test_the_human_command_without_a_staff_chat_gives_the_contacts(bot: Harness) -> None:
    reply = await bot.command("human")
    assert CONTACTS_ID in reply.text and "coba lagi nanti" not in reply.text


async def test_a_configured_contact_entry_is_used(sqlite_database_url: str) -> None:
    harness = await open_bot(sqlite_database_url, support={"contact_entry": "payment-methods"})
    try:
        reply = await harness.say("mau bicara dengan CS")
        assert "Kami menerima transfer bank, QRIS, dan COD, Kak." in reply.text
    finally:
        await harness.close()


async def test_without_staff_or_contacts_the_bot_promises_nothing(sqlite_database_url: str) -> None:
    harness = await open_bot(sqlite_database_url, sop=DESK_SOP)
    try:
        asked = await harness.say("mau bicara dengan CS")
        assert asked.text == (
            "Maaf, saya belum bisa menyambungkan Kakak ke tim CS dari chat ini. Saya tetap bisa membantu "
            "menjawab pertanyaan seputar layanan kami: silakan tulis pertanyaannya."
        )
        miss = await harness.say("berapa harga tiket pesawat ke bali bulan depan?")
        assert miss.buttons == [] and "Bicara dengan CS" not in miss.text
    finally:
        await harness.close()


async def test_a_miss_without_a_staff_chat_offers_the_contacts_not_a_person(bot: Harness) -> None:
    first = await bot.say("berapa harga tiket pesawat ke bali bulan depan?")
    assert first.buttons == ["Kontak CS"]
    second = await bot.say("apakah toko melayani pemesanan tiket pesawat?")
    assert "sambungkan" not in second.text
    assert second.text.startswith("Sepertinya saya belum bisa membantu untuk pertanyaan ini. Tim CS kami bisa membantu")
    contacts = await bot.press(second.button_data[0])
    assert contacts.text == CONTACTS_ID


# ---- handoff entries -------------------------------------------------------------------------------


async def test_a_handoff_entry_without_a_staff_chat_gives_contacts_instead_of_a_broken_promise(
    bot: Harness,
) -> None:
    reply = await bot.say("ada yang ngaku admin toko minta kode otp saya")
    assert len(reply.sends) == 1
    assert "kami sambungkan ke tim kami sekarang" not in reply.text
    assert "belum ada tim CS yang tersambung" not in reply.text
    assert reply.text.startswith("Hal ini perlu ditangani langsung oleh tim CS kami.")
    assert CONTACTS_ID in reply.text


async def test_a_handoff_entry_with_a_staff_chat_still_hands_over(sqlite_database_url: str) -> None:
    harness = await open_bot(sqlite_database_url, handoff={"staff_chat": STAFF_CHAT})
    try:
        reply = await harness.say("ada yang ngaku admin toko minta kode otp saya")
        assert reply.sends[0].text.startswith("Terima kasih sudah melapor, Kak. Kasus ini kami sambungkan")
        async with harness.runtime.store.transaction() as tx:
            ticket = (await tx.session.execute(select(Ticket))).scalar_one()
        assert ticket.reason == "sop:scam-report"
    finally:
        await harness.close()


async def test_a_miss_with_a_staff_chat_offers_a_person(sqlite_database_url: str) -> None:
    harness = await open_bot(sqlite_database_url, handoff={"staff_chat": STAFF_CHAT})
    try:
        reply = await harness.say("berapa harga tiket pesawat ke bali bulan depan?")
        assert reply.buttons == ["Bicara dengan CS"]
        assert reply.button_data == ["handoff:request"]
        typed = await harness.say("1")  # typed instead of tapped
        assert typed.sends[0].text.startswith("Baik, Kak. Saya sambungkan ke tim CS kami ya (tiket #1).")
    finally:
        await harness.close()


# ---- the words that ask for a person -------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["mau ngomong sm cs", "tolong sambungin ke admin", "cs nya mana", "talk to support", "csnya mana?"]
)
def test_more_ways_of_asking_for_a_person_are_recognised(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize("text", ["ada support cod?", "produk ini support fast charging?", "jam buka CS kapan?"])
def test_support_as_a_feature_is_not_asking_for_a_person(text: str) -> None:
    assert not asks_for_human(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("matur suwun mas", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("nggih, matur nuwun sanget", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("sugeng enjing", "Halo Budi! 😊 Ada yang bisa saya bantu?"),
        ("谢谢", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
        ("gracias", "Sama-sama Budi! Ada lagi yang bisa saya bantu?"),
    ],
)
async def test_thanks_and_greetings_in_other_languages_are_small_talk(bot: Harness, text: str, expected: str) -> None:
    assert (await bot.say(text)).text == expected


async def test_asking_for_cs_outside_hours_with_a_staff_chat_queues_and_says_when_they_are_back(
    sqlite_database_url: str,
) -> None:
    # Sunday 22:00 WIB, the team works Monday to Saturday: the customer is queued, told when
    # the team is back (bot/handoff/waiting.py), and not told to "try again later"
    weekdays = {day: "08:00-20:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
    settings = make_settings(sqlite_database_url, handoff={"staff_chat": STAFF_CHAT, "business_hours": weekdays})
    harness = await Harness.open(settings, ManualClock(datetime(2026, 1, 4, 15, 0, tzinfo=UTC)))
    try:
        reply = await harness.say("mau ngomong sama cs")
        told = reply.sends[0].text
        assert "di luar jam operasional dan kembali besok pukul 08.00 WIB" in told
        assert "coba lagi nanti" not in told
    finally:
        await harness.close()


async def test_the_regional_language_note_and_its_button_share_one_language(bot: Harness) -> None:
    reply = await bot.say("kulo badhe tanglet, sampeyan wis mangan durung?", language="en")
    assert reply.text.startswith(OTHER_LANGUAGE_ID)
    assert reply.buttons == ["Kontak CS"]
