"""What sends a customer to a person: asking, the SOP failing twice, a handoff topic, anger."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.handlers.handoff import REQUEST_BUTTON
from bot.handoff.triggers import PhraseAbuseDetector, asks_for_human, normalise
from tests.handoff.conftest import (
    TELEGRAM_FORUM,
    Desk,
    desk_settings,
    open_desk,
    opened_threads,
    text_to,
)

CUSTOMER = "6281234567890"


@pytest.mark.parametrize(
    "text",
    [
        "mau bicara dengan CS",
        "Mau bicara sama cs dong kak",
        "bisa disambungkan ke admin?",
        "minta CS",
        "agent",
        "Human!",
        "cs",
        "CS dong",
        "tolong hubungkan saya dengan petugas",
        "saya mau ngobrol sama orang asli",
        "I want to talk to a human",
        "speak to an agent please",
        "can I talk to someone",
        "real person please",
        "customer service",
        "bukan bot",
        "b1cara dengan CS",
    ],
)
def test_asking_for_a_person_is_recognised(text: str) -> None:
    assert asks_for_human(text)


@pytest.mark.parametrize(
    "text",
    [
        "jam buka CS kapan?",
        "agen JNE terdekat di mana?",
        "cara jadi agen reseller",
        "CS kalian ramah sekali",
        "apakah admin fee bisa dikembalikan?",
        "I need someone to pick up my parcel",
        "the human body lotion ready?",
        "how do I request a refund?",
        "",
    ],
)
def test_other_messages_are_not_a_request_for_a_person(text: str) -> None:
    assert not asks_for_human(text)


def test_configured_phrases_also_ask_for_a_person() -> None:
    assert asks_for_human("tolong panggil mbak Rina", extra_phrases=("panggil mbak rina",))


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("dasar goblok, pesanan gak sampai2", "abusive"),
        ("B4NGS4T kalian", "abusive"),
        ("brengsekkk", "abusive"),
        ("ba\u200bngsat", "abusive"),
        ("this is bullshit", "abusive"),
        ("saya kecewa berat sama pelayanan kalian", "angry"),
        ("CS nya gak becus", "angry"),
        ("worst service ever", "angry"),
        ("MANA PESANAN SAYA SUDAH SEMINGGU!!!", "angry"),
    ],
)
def test_anger_and_abuse_are_flagged(text: str, label: str) -> None:
    assert PhraseAbuseDetector().flag(text) == label


@pytest.mark.parametrize(
    "text",
    [
        "makanan anjing ada?",
        "tai lalat di foto produk itu apa?",
        "harga gila murah!",
        "sorry, stupid question",
        "klasik tapi bagus",
        "BCA",
        "Saya ingin tahu STATUS PESANAN",
        "I'm not angry, just asking",
    ],
)
def test_ordinary_messages_are_not_flagged(text: str) -> None:
    assert PhraseAbuseDetector().flag(text) is None


def test_normalising_undoes_the_usual_disguises() -> None:
    assert normalise("B0D0HHH!!! Ka\u200bmu") == "bodoh kamu"
    assert normalise("Rp100.000 2x") == "rp100 000 2x"


async def test_asking_in_words_opens_a_ticket(desk: Desk) -> None:
    reply = await desk.customer("mau bicara dengan CS dong kak")
    assert text_to(reply, "whatsapp", CUSTOMER).startswith(
        "Baik, Kak. Saya sambungkan ke tim CS kami ya (tiket #1)."
    )
    assert (await desk.ticket()).reason == "asked"
    assert opened_threads(reply)


async def test_the_second_question_the_sop_cannot_answer_opens_a_ticket(desk: Desk) -> None:
    first = await desk.customer("apakah kalian jual saham perusahaan?")
    assert "belum ada di panduan" in first.text and REQUEST_BUTTON in first.button_data
    assert await desk.tickets() == []
    second = await desk.customer("berapa harga tiket pesawat ke bali bulan depan?")
    assert "perlu dijawab langsung oleh tim kami" in text_to(second, "whatsapp", CUSTOMER)
    ticket = await desk.ticket()
    assert ticket.reason == "sop_miss"
    card = text_to(second, "telegram", TELEGRAM_FORUM)
    assert "Alasan: SOP tidak bisa menjawab" in card
    assert card.count("→ tidak ada di SOP") == 2


async def test_a_handoff_topic_is_acknowledged_and_routed_to_its_team(desk_db: str) -> None:
    desk = await open_desk(desk_settings(desk_db, teams={"finance": ["telegram:601"]}))
    try:
        await desk.grant("telegram", "601")
        await desk.agent_command("online", user="601", person_name="Fina")
        reply = await desk.customer("saldo saya kepotong dua kali")
        to_customer = [send.text for send in reply.sends if send.address.platform == "whatsapp"]
        assert to_customer[0].startswith(
            "Mohon maaf, Kak. Ini perlu dicek langsung oleh tim keuangan kami"
        )
        assert to_customer[1].startswith("Nomor tiket Kakak: #1.")
        ticket = await desk.ticket()
        assert (ticket.reason, ticket.team) == ("sop:payment-double-charged", "finance")
        card = text_to(reply, "telegram", TELEGRAM_FORUM)
        assert "topik SOP yang harus ditangani manusia: payment-double-charged" in card
        assert "Tim: finance" in card and "Untuk tim finance: @fina" in card
    finally:
        await desk.bot.close()


async def test_an_abusive_customer_is_handed_to_a_person_with_an_apology(desk: Desk) -> None:
    reply = await desk.customer("pelayanan kalian brengsek, refund saya mana")
    assert text_to(reply, "whatsapp", CUSTOMER).startswith(
        "Mohon maaf atas ketidaknyamanannya, Kak."
    )
    assert (await desk.ticket()).reason == "abuse:abusive"


async def test_a_better_detector_can_be_plugged_in(desk: Desk) -> None:
    @dataclass
    class OnlyShouting:
        def flag(self, text: str) -> str | None:
            return "shouting" if text.isupper() else None

    desk.bot.core.extras["abuse_detector"] = OnlyShouting()
    calm = await desk.customer("dasar goblok")
    assert await desk.tickets() == [] and "belum ada di panduan" in calm.text
    await desk.customer("HALO???")
    assert (await desk.ticket()).reason == "abuse:shouting"


async def test_without_a_staff_chat_the_customer_is_told_honestly(desk_db: str) -> None:
    desk = await open_desk(desk_settings(desk_db, staff_chat=None))
    try:
        reply = await desk.customer("mau bicara dengan CS")
        # this SOP has no contact entry: no promise, no "try again later", and the bot keeps helping
        assert reply.text.startswith("Maaf, saya belum bisa menyambungkan Kakak ke tim CS dari chat ini.")
        assert "coba lagi nanti" not in reply.text
        angry = await desk.customer("dasar goblok")  # no one to hand to: the SOP answers as usual
        assert "belum ada di panduan" in angry.text
        assert await desk.tickets() == []
    finally:
        await desk.bot.close()
