"""Personal data is masked in what we store and log; message bodies stay out of INFO logs."""

from __future__ import annotations

import io
import logging

import pytest

from bot.config import Settings
from bot.logs import StructuredFormatter, configure_logging
from bot.privacy import Masker, mask_pii
from tests.support.harness import Harness


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email saya budi.santoso@gmail.com ya", "email saya [email] ya"),
        ("wa 0812-3456-7890 kak", "wa [phone] kak"),
        ("hubungi +62 812 3456 7890", "hubungi [phone]"),
        ("kartu 4111 1111 1111 1111", "kartu [card]"),
        ("NIK 3273012501900003", "NIK [nik]"),
        ("no pesanan TN-261015-00123", "no pesanan TN-261015-00123"),
        ("total Rp150.000 untuk 2 barang", "total Rp150.000 untuk 2 barang"),
    ],
)
def test_masking(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_masking_can_be_switched_off_per_kind() -> None:
    keep_emails = Masker(emails=False)
    assert keep_emails("a@b.co 0812-3456-7890") == "a@b.co [phone]"


async def test_info_logs_carry_the_outcome_but_not_the_message(settings: Settings) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    try:
        bot = await Harness.open(settings)
        try:
            await bot.say("halo, nomor saya 0812-3456-7890, cara refund gimana?")
        finally:
            await bot.close()
    finally:
        logging.getLogger().handlers.clear()
    output = stream.getvalue()
    assert "event=Message" in output and "outcome=" in output
    assert "0812" not in output and "refund gimana" not in output


def test_tokens_in_library_logs_are_masked() -> None:
    record = logging.makeLogRecord(
        {"msg": "POST https://api.telegram.org/bot123456789:AAEabcdefghijklmnopqrstuvwxyz/sendMessage",
         "levelname": "DEBUG", "name": "httpx"}
    )
    line = StructuredFormatter().format(record)
    assert "AAEabcdefghijklmnopqrstuvwxyz" not in line and "[token]" in line
