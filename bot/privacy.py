"""Masking of personal data before it is stored or logged.

Card numbers (checked with Luhn so order numbers survive), phone numbers
(Indonesian and international), e-mail addresses, the 16-digit Indonesian NIK,
and secrets people type into a support chat: passwords, OTPs, PINs,
verification codes ("password saya abc123", "kode otp 123456").

Everything here runs on untrusted text of any length, so every step is linear in
it: no pattern may backtrack over what it has already read (a quadratic e-mail
pattern once took seconds on 80,000 letters). E-mail and phone numbers are found
by a scan that reads each character a bounded number of times, then judged by
plain arithmetic; the remaining patterns are anchored by look-behinds or
possessive quantifiers so each run of characters is tried once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import PrivacySettings

# 13-19 digits, optionally grouped by spaces or dashes (card numbers as people type them).
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_NON_DIGIT = re.compile(r"\D")

# ---- e-mail -------------------------------------------------------------------------------------

_EMAIL_LOCAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
# A run of domain characters, read possessively from just after an "@".
_DOMAIN_RUN = re.compile(r"[A-Za-z0-9.-]*+")
_LETTERS = re.compile(r"[A-Za-z]*+")

# ---- phone numbers ------------------------------------------------------------------------------

# Digits in groups joined by single spaces or dashes, optionally after a "+": read once,
# possessively; which part of it is a phone number is then decided by counting digits.
_NUMBER_RUN = re.compile(r"\+?\d++(?:[ -]\d++)*+")
_WORD_OR_PLUS = re.compile(r"[\w+]")
_GROUP_SPLIT = re.compile(r"[ -]")
# Indonesian mobiles: 0 / 62 / +62, then 8, 1-3 digits, then 2-4 groups of 2-5 digits.
_INDONESIAN_GROUPS = (2, 4)
# Any number in international form: +, 1-3 digits, then 2-5 groups of 2-5 digits.
_INTERNATIONAL_GROUPS = (2, 5)

# ---- secrets ------------------------------------------------------------------------------------

# What names a password: the secret is any word, masked when it looks like one (a digit or a
# symbol in it) or when the sentence says "is"/":" ("my password is sunshine").
_PASSWORD_WORDS = (
    r"passwords?|passwd|pass ?word|pwd|pw|passcode|kata ?sandi|sandi|kata ?kunci|one[- ]time ?password"
)
# What names a numeric code: the secret is a group of 3-8 digits ("123456", "123 456").
_CODE_WORDS = (
    r"otp|pin|cvv2?|cvc|mpin|kode ?(?:otp|verifikasi|keamanan|rahasia|pin|aktivasi|akses)"
    r"|verification ?code|security ?code|one[- ]time ?code|access ?code|auth(?:entication)? ?code"
)
# Words between the name and the secret that change nothing ("PIN ATM saya 1234", "OTP nya 654321").
_FILLER = (
    r"saya|sy|aku|ku|gw|gue|gua|my|your|the|kamu|anda|kakak|kak|nya|ini|atm|baru|lama|new|old|"
    r"akun|account|login|bank|kartu|card|code|kode|otp|sms|email|wa|yg|yang|untuk|buat|for|"
    r"is|are|was|adalah|yaitu|yakni|ialah|jadi|menjadi|diganti|changed|to|ke|nomor|no|number"
)
_ASSIGNING = frozenset({"is", "are", "was", "adalah", "yaitu", "yakni", "ialah", "jadi", "menjadi", "to", "ke"})
_SEPARATORS = r"[\s:=\-]"
_SECRET = re.compile(
    rf"(?<![^\W_])(?P<name>{_PASSWORD_WORDS}|{_CODE_WORDS})(?:nya|ku|mu)?(?![^\W_])"
    rf"(?P<filler>(?:{_SEPARATORS}++(?:{_FILLER})(?![^\W_]))" r"{0,4}+)"
    rf"(?P<gap>{_SEPARATORS}++)"
    r"(?P<secret>\d{3,8}+(?:[ -]\d{3,4}+)?+(?![ -]?\d)|\S++)",
    re.IGNORECASE,
)
_CODE_NAME = re.compile(_CODE_WORDS, re.IGNORECASE)
_DIGIT_CODE = re.compile(r"\d{3,8}+(?:[ -]\d{3,4}+)?+")
_TRAILING = ".,;!?)]}'\""
_MAX_SECRET = 64


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
    secrets: bool = True

    @classmethod
    def from_settings(cls, privacy: PrivacySettings) -> Masker:
        return cls(
            cards=privacy.mask_cards,
            phones=privacy.mask_phones,
            emails=privacy.mask_emails,
            nik=privacy.mask_nik,
            secrets=privacy.mask_secrets,
        )

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self.secrets:
            text = _SECRET.sub(_secret, text)
        if self.emails and "@" in text:
            text = mask_emails(text)
        if self.nik:
            text = _NIK.sub(self._nik, text)
        if self.cards:
            text = _CARD.sub(self._card, text)
        if self.phones:
            text = mask_phones(text)
        return text

    def person_key(self, key: str) -> str:
        """A person key as staff may see it: a WhatsApp id is the customer's phone number."""
        platform, _, user_id = key.partition(":")
        if platform == "whatsapp" and self.phones and user_id:
            return f"{platform}:[phone]"
        return self(key)

    @staticmethod
    def _nik(match: re.Match[str]) -> str:
        digits = match.group(0)
        # A NIK starts with a province code (11-94); a 16-digit card number passes Luhn instead.
        if 11 <= int(digits[:2]) <= 94 and not _luhn_ok(digits):
            return "[nik]"
        return digits

    @staticmethod
    def _card(match: re.Match[str]) -> str:
        digits = _NON_DIGIT.sub("", match.group(0))
        return "[card]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


mask_pii = Masker()


# ---- secrets ------------------------------------------------------------------------------------


def _secret(match: re.Match[str]) -> str:
    """The secret after a password/OTP/PIN word replaced by `[secret]`, or the match unchanged."""
    secret = match.group("secret")
    head = match.group(0)[: match.start("secret") - match.start()]
    if _CODE_NAME.fullmatch(match.group("name")):
        # A code is 3-8 digits (the pattern's first choice); a longer number is something else.
        return f"{head}[secret]" if _DIGIT_CODE.fullmatch(secret) else match.group(0)
    word = secret.rstrip(_TRAILING)
    if not 3 <= len(word) <= _MAX_SECRET:
        return match.group(0)
    said_what_it_is = ":" in match.group("gap") or "=" in match.group("gap") or any(
        filler.lower() in _ASSIGNING for filler in re.findall(r"[^\W_]+", match.group("filler"))
    )
    looks_like_one = any(not char.isalpha() for char in word)
    if not (said_what_it_is or looks_like_one):
        return match.group(0)  # "password saya lupa": a word, not a password
    return f"{head}[secret]{secret[len(word):]}"


# ---- e-mail -------------------------------------------------------------------------------------


def mask_emails(text: str) -> str:
    """Replace each `local@domain.tld` by `[email]`, reading every character at most twice."""
    pieces: list[str] = []
    done = 0  # text before this is already in `pieces`
    at = text.find("@")
    while at != -1:
        start = at
        # Leftwards over the local part; it cannot run past the previous "@" (not a local character).
        while start > done and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        end = _email_end(text, at) if start < at else -1
        if end == -1:
            at = text.find("@", at + 1)
            continue
        pieces.append(text[done:start])
        pieces.append("[email]")
        done = end
        at = text.find("@", end)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _email_end(text: str, at: int) -> int:
    """Where the domain after the "@" at `at` ends (its last `.` and 2+ letters), or -1."""
    run = _DOMAIN_RUN.match(text, at + 1)
    assert run is not None  # `*` always matches
    dot = text.rfind(".", at + 2, run.end())
    while dot != -1:
        letters = _LETTERS.match(text, dot + 1, run.end())
        assert letters is not None
        if letters.end() - dot - 1 >= 2:
            return letters.end()
        dot = text.rfind(".", at + 2, dot)
    return -1


# ---- phone numbers ------------------------------------------------------------------------------


def mask_phones(text: str) -> str:
    """Replace phone numbers by `[phone]`: Indonesian mobiles and numbers written with a "+"."""
    pieces: list[str] = []
    done = 0
    for run in _NUMBER_RUN.finditer(text):
        for start, end in _phones_in_run(text, run):
            pieces.append(text[done:start])
            pieces.append("[phone]")
            done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _phones_in_run(text: str, run: re.Match[str]) -> list[tuple[int, int]]:
    """The phone numbers among the digit groups of one run, as (start, end) in `text`."""
    plus = run.group(0).startswith("+")
    groups: list[tuple[int, str]] = []  # (offset in text, digits)
    offset = run.start() + plus
    for digits in _GROUP_SPLIT.split(run.group(0)[plus:]):
        groups.append((offset, digits))
        offset += len(digits) + 1
    open_at_start = run.start() == 0 or _WORD_OR_PLUS.match(text, run.start() - 1) is None
    found: list[tuple[int, int]] = []
    index = 0
    while index < len(groups):
        last = -1
        if index == 0 and plus:
            last = _phone_end(groups, 0, len(groups[0][1]), _INTERNATIONAL_GROUPS)
        if index > 0 or open_at_start:
            last = max(last, _indonesian_end(groups, index, plus and index == 0))
        if last == -1:
            index += 1
            continue
        start = groups[index][0] - (1 if plus and index == 0 else 0)
        found.append((start, groups[last][0] + len(groups[last][1])))
        index = last + 1
    return found


def _indonesian_end(groups: list[tuple[int, str]], index: int, after_plus: bool) -> int:
    """The last group of an Indonesian mobile starting at group `index` (0 / 62 / +62, then 8), or -1."""
    digits = groups[index][1]
    if digits.startswith("62"):
        rest = digits[2:]
    elif digits.startswith("0") and not after_plus:
        rest = digits[1:]
    else:
        return -1
    if rest:
        head, head_digits = index, rest
    elif index + 1 < len(groups):  # "0 812 ...", "+62-812 ..."
        head, head_digits = index + 1, groups[index + 1][1]
    else:
        return -1
    if not head_digits.startswith("8"):
        return -1
    return _phone_end(groups, head, len(head_digits) - 1, _INDONESIAN_GROUPS)


def _phone_end(groups: list[tuple[int, str]], head: int, head_length: int, allowed: tuple[int, int]) -> int:
    """The last group of the longest number that fits: 1-3 digits, then `allowed` groups of 2-5.

    `head_length` digits of group `head` follow the prefix; each later group must be cut
    into parts of 2-5 digits. A group of L digits makes between ceil(L/5) and L//2 parts,
    so whether a run of groups fits is arithmetic, with no backtracking.
    """
    low, high = allowed
    reachable: set[int] = set()  # how many parts the digits read so far can make
    for first in range(1, min(3, head_length) + 1):
        span = _parts_range(head_length - first)
        if span is not None:
            reachable.update(range(span[0], min(span[1], high) + 1))
    best = head if any(low <= count <= high for count in reachable) else -1
    for index in range(head + 1, len(groups)):
        span = _parts_range(len(groups[index][1]))
        if span is None or span[0] > high:
            break
        reachable = {
            count + extra
            for count in reachable
            for extra in range(span[0], min(span[1], high) + 1)
            if count + extra <= high
        }
        if not reachable:
            break
        if any(low <= count <= high for count in reachable):
            best = index
    return best


def _parts_range(length: int) -> tuple[int, int] | None:
    """How many parts of 2-5 digits `length` digits can be cut into (min, max), or None."""
    if length == 0:
        return (0, 0)
    if length == 1:
        return None
    return (-(-length // 5), length // 2)
