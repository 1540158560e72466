"""Rate limits shared through Redis: two workers together stay within one bucket."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.ratelimit import Bucket, InMemoryRateLimiter, Rate
from bot.shared_redis import RedisRateLimiter, connect
from tests.conftest import REDIS_URL


@pytest.fixture
async def redis_client() -> AsyncIterator[Any]:
    if not REDIS_URL:
        pytest.skip("Redis tests need BOT_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    client = connect(REDIS_URL)
    yield client
    await client.aclose()


async def test_two_workers_share_one_bucket(redis_client: Any) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = RedisRateLimiter(redis_client, prefix), RedisRateLimiter(redis_client, prefix)
    chat = (Bucket("telegram:-100", Rate(1, 10.0, burst=3)),)
    allowed = [await limiter.acquire(chat, 0.0) == 0.0 for limiter in (first, second) * 3]
    assert allowed.count(True) == 3  # the burst is shared, not 3 per worker
    wait = await first.acquire(chat, 0.0)
    assert 9.0 < wait <= 10.0


async def test_a_call_is_taken_in_every_bucket_or_in_none(redis_client: Any) -> None:
    limiter = RedisRateLimiter(redis_client, f"test:{uuid.uuid4().hex}:")
    overall = Bucket("telegram:*", Rate(30, 1.0))
    busy_chat = Bucket("telegram:1", Rate(1, 60.0))
    assert await limiter.acquire((overall, busy_chat), 0.0) == 0.0
    assert await limiter.acquire((overall, busy_chat), 0.0) > 50
    # The refused call did not use up a slot of the overall bucket.
    free_chat = Bucket("telegram:2", Rate(1, 60.0))
    for _ in range(29):
        chat = free_chat if _ == 0 else Bucket(f"telegram:x{_}", Rate(1, 60.0))
        assert await limiter.acquire((overall, chat), 0.0) == 0.0


async def test_the_in_memory_limiter_agrees_on_the_same_buckets() -> None:
    limiter = InMemoryRateLimiter()
    chat = (Bucket("telegram:-100", Rate(1, 10.0, burst=3)),)
    assert [await limiter.acquire(chat, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert 9.0 < await limiter.acquire(chat, 100.0) <= 10.0
