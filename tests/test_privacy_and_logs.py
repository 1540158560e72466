"""Personal data is masked in what we store and log; message bodies stay out of INFO logs."""

from __future__ import annotations

import io
import logging

import pytest

from bot.config import Settings
from bot.logs import StructuredFormatter, configure_logging
from bot.privacy import Masker, mask_emails, mask_phones, mask_pii
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
    keep_secrets = Masker(secrets=False)
    assert keep_secrets("kode otp 123456") == "kode otp 123456"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password saya abc123", "password saya [secret]"),
        ("pw: abc123", "pw: [secret]"),
        ("pw=hunter2 ok", "pw=[secret] ok"),
        ("kata sandi saya Rahasia99", "kata sandi saya [secret]"),
        ("sandi: rahasiaku", "sandi: [secret]"),
        ("passwordku abc123", "passwordku [secret]"),
        ("password baru: Abc!@#123 sudah", "password baru: [secret] sudah"),
        ("pin 123456", "pin [secret]"),
        ("PIN ATM saya 1234", "PIN ATM saya [secret]"),
        ("kode otp 123456", "kode otp [secret]"),
        ("OTP nya 654321", "OTP nya [secret]"),
        ("OTPnya 654321.", "OTPnya [secret]."),
        ("kode verifikasi 123 456 ya kak", "kode verifikasi [secret] ya kak"),
        ("my password is hunter2", "my password is [secret]"),
        ("my password is sunshine.", "my password is [secret]."),
        ("My PIN is 4321, thanks", "My PIN is [secret], thanks"),
        ("verification code: 998877", "verification code: [secret]"),
        ("kode otp: 1234, pw hunter2", "kode otp: [secret], pw [secret]"),
        # What only sounds like a secret stays as it was written.
        ("password saya lupa", "password saya lupa"),
        ("lupa kata sandi, gimana reset?", "lupa kata sandi, gimana reset?"),
        ("kode pesanan 123456", "kode pesanan 123456"),
        ("pin lokasi di maps", "pin lokasi di maps"),
        ("pesan 3 pin bros", "pesan 3 pin bros"),
        ("OTP: 12345678901234", "OTP: 12345678901234"),
        ("no pesanan TN-261015-00123, total Rp150.000", "no pesanan TN-261015-00123, total Rp150.000"),
        # A phone number after "PIN" is a phone number.
        ("PIN: 0812-3456-7890", "PIN: [phone]"),
    ],
)
def test_passwords_otps_and_pins_are_masked(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_phone_numbers_in_every_usual_form() -> None:
    assert mask_pii("wa 0 812 3456 7890, +62-812-3456-7890 atau 6281234567890.") == (
        "wa [phone], [phone] atau [phone]."
    )
    assert mask_pii("call +44 20 7946 0958 or +1 415 555 0123") == "call [phone] or [phone]"
    assert mask_pii("0812 3456 7890 2 barang") == "[phone] 2 barang"
    assert mask_pii("order 10812345678 and a0812345678") == "order 10812345678 and a0812345678"


def test_a_whatsapp_key_shows_no_phone_number() -> None:
    assert mask_pii.person_key("whatsapp:14155550123") == "whatsapp:[phone]"
    assert mask_pii.person_key("telegram:123456789") == "telegram:123456789"
    assert Masker(phones=False).person_key("whatsapp:14155550123") == "whatsapp:14155550123"


# Inputs that made the old patterns re-read the text from every position (seconds, or
# minutes, per message). Linear masking returns at once; these assert what it returns.
_LONG = 100_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * _LONG, "a" * _LONG),
        ("x." * (_LONG // 2), "x." * (_LONG // 2)),
        ("a@" + "a." * (_LONG // 2), "a@" + "a." * (_LONG // 2)),
        ("a@" * (_LONG // 2), "a@" * (_LONG // 2)),
        ("b" * _LONG + "@gmail.com", "[email]"),
        ("x@y@gmail.com " * 1000, "x@[email] " * 1000),
    ],
)
def test_email_masking_is_linear_on_hostile_input(text: str, expected: str) -> None:
    assert mask_emails(text) == expected
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1" * _LONG, "1" * _LONG),
        ("1 " * (_LONG // 2), "1 " * (_LONG // 2)),
        ("+" + "1" * _LONG, "+" + "1" * _LONG),
        (("+" + "1" * 30 + " ") * (_LONG // 32), ("+" + "1" * 30 + " ") * (_LONG // 32)),
        ("0812 " * (_LONG // 5), "[phone] " * (_LONG // 25)),
        ("08 " * (_LONG // 3), "08 " * (_LONG // 3)),
    ],
)
def test_phone_masking_is_linear_on_hostile_input(text: str, expected: str) -> None:
    assert mask_phones(text) == expected


@pytest.mark.parametrize(
    "text",
    ["pin " * (_LONG // 4), "password " * (_LONG // 9), "otp" + " " * _LONG + "x", "pw: " + "a" * _LONG,
     "4111 " * (_LONG // 5), "-1" * (_LONG // 2), "3273012501900003" * (_LONG // 16)],
)
def test_every_mask_is_linear_on_hostile_input(text: str) -> None:
    assert mask_pii(text) == text  # none of them holds personal data


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


def test_secrets_are_masked_in_log_lines() -> None:
    record = logging.makeLogRecord(
        {"msg": "customer wrote %s", "args": ("password saya abc123, kode otp 123456",), "levelname": "DEBUG",
         "name": "bot.core", "text": "PIN ATM saya 1234"}
    )
    line = StructuredFormatter().format(record)
    assert "abc123" not in line and "123456" not in line and "1234" not in line
    assert line.count("[secret]") == 3


def test_tokens_in_library_logs_are_masked() -> None:
    record = logging.makeLogRecord(
        {"msg": "POST https://api.telegram.org/bot123456789:AAEabcdefghijklmnopqrstuvwxyz/sendMessage",
         "levelname": "DEBUG", "name": "httpx"}
    )
    line = StructuredFormatter().format(record)
    assert "AAEabcdefghijklmnopqrstuvwxyz" not in line and "[token]" in line
