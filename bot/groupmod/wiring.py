"""What moderation adds to `Core.extras`: its service and the handoff's abuse signal."""

from __future__ import annotations

from typing import Any

from bot.groupmod.abuse import ServiceAbuseDetector
from bot.groupmod.activity import LocalActivity, RedisActivity
from bot.groupmod.service import ModerationService


def moderation_extras(redis: Any | None = None) -> dict[str, Any]:
    """`{"moderation": ..., "abuse_detector": ...}`; flood counters in Redis given a client."""
    recorder = RedisActivity(redis) if redis is not None else LocalActivity()
    service = ModerationService(recorder=recorder)
    return {"moderation": service, "abuse_detector": ServiceAbuseDetector(service)}
