"""Masking of personal data before it is stored or logged.

Card numbers (checked with Luhn so order numbers survive), phone numbers
(Indonesian and international), e-mail addresses and the 16-digit Indonesian NIK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by spaces or dashes (card numbers as people type them).
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
# +62 / 62 / 0 followed by 8-13 digits, with optional spaces or dashes; also other +CC numbers.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?62|0)[ -]?8\d{1,3}(?:[ -]?\d{2,5}){2,4}(?!\d)"  # Indonesian mobiles
    r"|\+\d{1,3}(?:[ -]?\d{2,5}){2,5}(?!\d)"  # any number in international form
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@dataclass(frozen=True, slots=True)
class Masker:
    """Which kinds of personal data to mask; built from `PrivacySettings`."""

    cards: bool = True
    phones: bool = True
    emails: bool = True
    nik: bool = True

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self.emails:
            text = _EMAIL.sub("[email]", text)
        if self.nik:
            text = _NIK.sub(self._nik, text)
        if self.cards:
            text = _CARD.sub(self._card, text)
        if self.phones:
            text = _PHONE.sub("[phone]", text)
        return text

    @staticmethod
    def _nik(match: re.Match[str]) -> str:
        digits = match.group(0)
        # A NIK starts with a province code (11-94); a 16-digit card number passes Luhn instead.
        if 11 <= int(digits[:2]) <= 94 and not _luhn_ok(digits):
            return "[nik]"
        return digits

    @staticmethod
    def _card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return "[card]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


mask_pii = Masker()
