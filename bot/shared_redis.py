"""What several workers share through Redis when `BOT_REDIS_URL` is set.

Without Redis each process keeps its own rate-limit buckets and flood windows,
which is right for one process. With several workers behind one bot token those
must be shared, or each worker would allow the full rate on its own. Redis holds
them with expiry, so nothing needs cleaning up; the database stays the source of
truth for everything that must survive (Redis keeps nothing on disk here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.ratelimit import Bucket

# GCRA over several buckets at once, atomically: the theoretical arrival time of each
# bucket is one key. Time is the Redis server's, so every worker agrees on "now".
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local wait = 0
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local w = tat - now - tonumber(ARGV[2 * i])
  if w > wait then wait = w end
end
if wait > 0.000001 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local nxt = tat + tonumber(ARGV[2 * i - 1])
  redis.call('SET', key, tostring(nxt), 'PX', math.ceil((nxt - now) * 1000) + 1000)
end
return '0'
"""


class RedisRateLimiter:
    """The `RateLimiter` protocol on Redis: one set of buckets for every worker."""

    def __init__(self, client: Any, prefix: str = "bot:rate:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_ACQUIRE)

    async def acquire(self, buckets: Sequence[Bucket], now: float) -> float:
        if not buckets:
            return 0.0
        keys = [self._prefix + bucket.key for bucket in buckets]
        args: list[float] = []
        for bucket in buckets:
            args += [bucket.rate.interval, (bucket.rate.capacity - 1) * bucket.rate.interval]
        wait = await self._script(keys=keys, args=args)
        return float(wait)


def connect(url: str) -> Any:
    """An asyncio Redis client (redis-py); raises on a malformed URL, connects lazily."""
    import redis.asyncio

    return redis.asyncio.from_url(url, decode_responses=True)
