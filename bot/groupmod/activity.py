"""Where flood and repeat counters live: this process's memory, or Redis shared by every worker.

The rule engine reads a `RecentActivity` snapshot; the shell takes it with `await
recorder.record(...)`. One process keeps it in memory (`LocalActivity`, the engine's
`ActivityTracker`); several workers behind one bot must share it, or each would allow
the full flood rate on its own, so with `BOT_REDIS_URL` set `RedisActivity` keeps a
short list per (chat, sender) in Redis, trimmed and expiring, in one round trip.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.moderation.activity import DEFAULT_WINDOW, ActivityTracker, RecentActivity


class AsyncActivityRecorder(Protocol):
    async def record(
        self, chat_key: str, user_key: str, at: datetime, fingerprint: str
    ) -> RecentActivity: ...


class LocalActivity:
    """The in-memory tracker behind the async interface."""

    def __init__(self, tracker: ActivityTracker | None = None) -> None:
        self.tracker = tracker or ActivityTracker()

    async def record(
        self, chat_key: str, user_key: str, at: datetime, fingerprint: str
    ) -> RecentActivity:
        return self.tracker.record(chat_key, user_key, at, fingerprint)


# Append "<epoch seconds> <fingerprint>", keep the newest ARGV[2] entries, expire the key
# after the window, and return the list: one atomic round trip per message.
_RECORD = """
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return redis.call('LRANGE', KEYS[1], 0, -1)
"""


class RedisActivity:
    """`RecentActivity` per (chat, sender) in a Redis list, shared by every worker.

    Entries older than `window` before the current message are dropped when read; the
    key expires after the window, so idle senders cost nothing.
    """

    def __init__(
        self,
        client: Any,
        *,
        window: timedelta = DEFAULT_WINDOW,
        max_per_user: int = 100,
        prefix: str = "bot:flood:",
    ) -> None:
        self._client = client
        self._window = window
        self._max = max_per_user
        self._prefix = prefix
        self._script = client.register_script(_RECORD)

    async def record(
        self, chat_key: str, user_key: str, at: datetime, fingerprint: str
    ) -> RecentActivity:
        entry = f"{at.timestamp():.3f} {fingerprint}"
        ttl = int(self._window.total_seconds()) + 1
        raw = await self._script(
            keys=[f"{self._prefix}{chat_key}|{user_key}"], args=[entry, self._max, ttl]
        )
        horizon = (at - self._window).timestamp()
        timestamps: list[datetime] = []
        fingerprints: list[str] = []
        for item in raw:
            text = item.decode() if isinstance(item, bytes) else str(item)
            stamp, _, seen = text.partition(" ")
            moment = float(stamp)
            if moment <= horizon:
                continue
            timestamps.append(datetime.fromtimestamp(moment, UTC))
            fingerprints.append(seen)
        return RecentActivity(tuple(timestamps), tuple(fingerprints))
