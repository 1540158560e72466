"""How fast the outbox may talk to each platform: rates as data, one small limiter.

A `RatePolicy` says, per platform, how many calls may go out overall and per chat
(stricter in groups where the platform says so). The sender asks a `RateLimiter`
for a slot in every bucket an action touches before calling the adapter; the
limiter answers "go" (0) or "not before N seconds". The in-memory limiter is per
process; a Redis-backed one can implement the same protocol (the GCRA below is a
few lines of Lua) when several workers share a bot token.

Platforms still have the last word: a 429 from them is honoured by the sender
(`RetryAfter`) whatever these numbers say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.actions import Action, Send


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` calls per `per_seconds`, of which up to `burst` may go at once (default: `count`)."""

    count: int
    per_seconds: float
    burst: int | None = None

    @property
    def interval(self) -> float:
        """Seconds between calls at the steady rate."""
        return self.per_seconds / self.count

    @property
    def capacity(self) -> int:
        return self.burst or self.count


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str
    rate: Rate


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """A platform's limits. Messages count against their chat; every call counts overall.

    `group_chat_prefix` tells group chats by their id, where the platform does so
    (Telegram group and channel ids are negative, so "-").
    """

    overall: Rate | None = None
    per_chat: Rate | None = None
    per_group_chat: Rate | None = None
    group_chat_prefix: str | None = None

    def buckets(self, action: Action) -> tuple[Bucket, ...]:
        platform = action.address.platform
        chat = action.address.chat_id
        buckets: list[Bucket] = []
        if self.overall is not None:
            buckets.append(Bucket(f"{platform}:*", self.overall))
        if isinstance(action, Send):
            if self.per_chat is not None:
                buckets.append(Bucket(f"{platform}:{chat}", self.per_chat))
            is_group = self.group_chat_prefix is not None and chat.startswith(self.group_chat_prefix)
            if is_group and self.per_group_chat is not None:
                buckets.append(Bucket(f"{platform}:{chat}:group", self.per_group_chat))
        return tuple(buckets)


# Telegram: about 30 messages a second overall, one a second per chat (short bursts
# tolerated), 20 a minute in a group (core.telegram.org/bots/faq). A bucket lets
# `burst + rate * window` through in any window, so a group gets a burst of 5 and
# then one every 4 seconds: never more than 20 in any minute.
TELEGRAM_RATES = RatePolicy(
    overall=Rate(30, 1.0),
    per_chat=Rate(1, 1.0, burst=3),
    per_group_chat=Rate(15, 60.0, burst=5),
    group_chat_prefix="-",
)
# WhatsApp Cloud API: 80 messages a second per business number by default; a
# customer should not get a flood either (the "pair rate limit", error 131056).
WHATSAPP_RATES = RatePolicy(overall=Rate(80, 1.0), per_chat=Rate(1, 6.0, burst=10))
# Discord: 50 requests a second globally; message routes are about 5 per 5 seconds
# per channel. discord.py also reads the X-RateLimit-* headers of every answer and
# waits per route bucket itself, so these numbers only keep us from hitting 429s.
DISCORD_RATES = RatePolicy(overall=Rate(50, 1.0), per_chat=Rate(5, 5.0))


class RateLimiter(Protocol):
    async def acquire(self, buckets: Sequence[Bucket], now: float) -> float:
        """Take a slot in every bucket or in none: 0.0 when taken, else seconds to wait first."""
        ...


class InMemoryRateLimiter:
    """GCRA (a token bucket kept as one timestamp per key), for one process.

    For each key we keep the theoretical arrival time `tat` of the next call at
    the steady rate; a call may go when `tat` is at most `(capacity - 1) * interval`
    ahead of now, which allows bursts of `capacity`.
    """

    def __init__(self, max_keys: int = 100_000) -> None:
        self._tat: dict[str, float] = {}
        self._max_keys = max_keys

    async def acquire(self, buckets: Sequence[Bucket], now: float) -> float:
        wait = 0.0
        for bucket in buckets:
            tat = max(self._tat.get(bucket.key, now), now)
            tolerance = (bucket.rate.capacity - 1) * bucket.rate.interval
            wait = max(wait, tat - now - tolerance)
        if wait > 1e-9:
            return wait
        for bucket in buckets:
            tat = max(self._tat.get(bucket.key, now), now)
            self._tat[bucket.key] = tat + bucket.rate.interval
        if len(self._tat) > self._max_keys:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [key for key, tat in self._tat.items() if tat <= now]:
            del self._tat[key]
