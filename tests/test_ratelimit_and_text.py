"""The pieces every adapter shares: rate limits, splitting long texts, reading typed commands."""

from __future__ import annotations

from bot.actions import Ban, Send
from bot.adapters.text import find_urls, parse_command, split_text, utf16_len
from bot.events import Address
from bot.ratelimit import TELEGRAM_RATES, Bucket, InMemoryRateLimiter, Rate


async def test_a_bucket_allows_its_burst_then_the_steady_rate() -> None:
    limiter = InMemoryRateLimiter()
    bucket = [Bucket("chat", Rate(1, 1.0, burst=3))]
    assert [await limiter.acquire(bucket, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await limiter.acquire(bucket, 100.0) == 1.0  # the fourth waits a second
    assert await limiter.acquire(bucket, 101.0) == 0.0
    assert await limiter.acquire(bucket, 101.0) > 0


async def test_a_slot_is_taken_in_every_bucket_or_in_none() -> None:
    limiter = InMemoryRateLimiter()
    tight = Bucket("chat", Rate(1, 10.0))
    loose = Bucket("overall", Rate(100, 1.0))
    assert await limiter.acquire([tight, loose], 0.0) == 0.0
    assert await limiter.acquire([tight, loose], 0.0) == 10.0
    for _ in range(99):  # the refused call took nothing from the overall bucket
        assert await limiter.acquire([loose], 0.0) == 0.0


def test_telegram_groups_have_their_own_stricter_bucket_and_moderation_counts_overall_only() -> None:
    group = TELEGRAM_RATES.buckets(Send(address=Address("telegram", "-100123"), text="x"))
    private = TELEGRAM_RATES.buckets(Send(address=Address("telegram", "42"), text="x"))
    ban = TELEGRAM_RATES.buckets(Ban(address=Address("telegram", "-100123"), user_id="7"))
    assert [b.key for b in group] == ["telegram:*", "telegram:-100123", "telegram:-100123:group"]
    assert [b.key for b in private] == ["telegram:*", "telegram:42"]
    assert [b.key for b in ban] == ["telegram:*"]


def test_long_text_is_cut_between_paragraphs_then_lines_then_words() -> None:
    paragraphs = "Satu dua tiga.\n\nEmpat lima enam."
    assert split_text(paragraphs, 20) == ["Satu dua tiga.", "Empat lima enam."]
    assert split_text("aaa bbb ccc ddd", 8) == ["aaa bbb", "ccc ddd"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # one long word: cut hard
    assert split_text("  ", 10) == []


def test_telegram_counts_emoji_as_two() -> None:
    assert utf16_len("halo 🙏") == 7
    pieces = split_text("🙏" * 5, 4, utf16_len)
    assert pieces == ["🙏🙏", "🙏🙏", "🙏"]


def test_typed_commands() -> None:
    assert parse_command("/ban@TokoNusaBot spam  link") is not None
    typed = parse_command("/Ban@TokoNusaBot spam  link")
    assert typed is not None and (typed.name, typed.addressee, typed.args) == ("ban", "TokoNusaBot", ("spam", "link"))
    assert parse_command("/ halo") is None
    assert parse_command("/usr/bin") is None
    assert parse_command("halo /start") is None


def test_links_in_plain_text_lose_trailing_punctuation() -> None:
    assert find_urls("cek https://tokonusa.id/lacak, atau www.tokonusa.id.") == (
        "https://tokonusa.id/lacak", "www.tokonusa.id")
