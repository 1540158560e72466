"""What each platform lets a bot do, as data, and clamping of sanctions to fit.

Platforms silently reinterpret out-of-range values, which is worse than refusing:
Telegram treats a restriction shorter than 30 seconds or longer than 366 days as
*forever*, so a "mute 10s" typed by an admin would silence someone for good. The
functions here return the value to send and, when it had to change, a note key
(`limit.*` in the moderation catalogue) that the shell shows the admin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """Limits of one platform's moderation API (None: no limit / not applicable)."""

    can_restrict: bool
    can_ban: bool
    min_restriction: timedelta | None = None
    max_restriction: timedelta | None = None
    restriction_can_be_permanent: bool = True
    min_ban: timedelta | None = None
    max_ban: timedelta | None = None
    delete_window: timedelta | None = None  # how old a message the bot may still delete
    max_ban_message_deletion: timedelta | None = None  # messages cleared with a ban
    ban_deletes_all_messages: bool = False  # all-or-nothing clearing on ban
    mutes_end_on_their_own: bool = False  # the platform lifts a mute at the `until` it was given
    sequential_message_ids: bool = False  # "the last N messages" can be counted back from an id
    # may the bot write privately to a member? "always" (unless they closed DMs: the
    # delivery fails and the group is told), "if_contacted" (only people who wrote first)
    private_messages: Literal["always", "if_contacted", "never"] = "never"


_TELEGRAM_MIN = timedelta(seconds=30)
_TELEGRAM_MAX = timedelta(days=366)

PLATFORM_LIMITS: Mapping[str, PlatformLimits] = MappingProxyType(
    {
        # Bot API restrictChatMember/banChatMember: until_date outside 30 s .. 366 days
        # means forever; deleteMessage: only messages younger than 48 hours.
        "telegram": PlatformLimits(
            can_restrict=True,
            can_ban=True,
            min_restriction=_TELEGRAM_MIN,
            max_restriction=_TELEGRAM_MAX,
            min_ban=_TELEGRAM_MIN,
            max_ban=_TELEGRAM_MAX,
            delete_window=timedelta(hours=48),
            ban_deletes_all_messages=True,
            mutes_end_on_their_own=True,
            sequential_message_ids=True,
            private_messages="if_contacted",  # a bot may not start a private chat
        ),
        # Member timeout at most 28 days and never permanent; a ban may clear at most
        # 7 days of messages; bans themselves have no duration (the bot unbans later).
        "discord": PlatformLimits(
            can_restrict=True,
            can_ban=True,
            max_restriction=timedelta(days=28),
            restriction_can_be_permanent=False,
            max_ban_message_deletion=timedelta(days=7),
            mutes_end_on_their_own=True,
            private_messages="always",
        ),
        # The Cloud API has no group moderation: sanctions become notes to the admins.
        "whatsapp": PlatformLimits(can_restrict=False, can_ban=False, delete_window=timedelta(0)),
        "console": PlatformLimits(can_restrict=True, can_ban=True),
    }
)
_NO_LIMITS = PlatformLimits(can_restrict=True, can_ban=True)


def limits_for(platform: str) -> PlatformLimits:
    """The platform's limits; an unknown platform gets none (everything allowed)."""
    return PLATFORM_LIMITS.get(platform, _NO_LIMITS)


def clamp_restriction(
    platform: str, duration: timedelta | None
) -> tuple[timedelta | None, str | None]:
    """A mute of `duration` (None: until lifted) as the platform can carry it out.

    Returns the duration to use and a note key when it had to change:
    `limit.restriction_too_short` / `limit.restriction_too_long` (Telegram would have
    made it permanent), `limit.restriction_not_permanent` (Discord timeouts end after
    28 days), `limit.restriction_unsupported`.
    """
    limits = limits_for(platform)
    if not limits.can_restrict:
        return duration, "limit.restriction_unsupported"
    if duration is None:
        if limits.restriction_can_be_permanent:
            return None, None
        return limits.max_restriction, "limit.restriction_not_permanent"
    return _clamp(duration, limits.min_restriction, limits.max_restriction, "restriction")


def clamp_ban(platform: str, duration: timedelta | None) -> tuple[timedelta | None, str | None]:
    """A temporary ban of `duration` (None: for good) as the platform can carry it out."""
    limits = limits_for(platform)
    if not limits.can_ban:
        return duration, "limit.ban_unsupported"
    if duration is None:
        return None, None
    return _clamp(duration, limits.min_ban, limits.max_ban, "ban")


def _clamp(
    duration: timedelta, low: timedelta | None, high: timedelta | None, what: str
) -> tuple[timedelta, str | None]:
    if low is not None and duration < low:
        return low, f"limit.{what}_too_short"
    if high is not None and duration > high:
        return high, f"limit.{what}_too_long"
    return duration, None


def can_delete(platform: str, sent_at: datetime, now: datetime) -> tuple[bool, str | None]:
    """Whether the bot may still delete a message sent at `sent_at`, with a note if not."""
    window = limits_for(platform).delete_window
    if window is None or now - sent_at < window:
        return True, None
    if window == timedelta(0):
        return False, "limit.delete_unsupported"
    return False, "limit.delete_too_old"


def clamp_ban_message_deletion(platform: str, seconds: int) -> tuple[int, str | None]:
    """How many seconds of the member's messages a ban may clear, with a note if changed.

    Telegram clears all or nothing: any positive request clears all
    (`limit.ban_deletes_all`).
    """
    limits = limits_for(platform)
    seconds = max(0, seconds)
    if limits.ban_deletes_all_messages and seconds > 0:
        return seconds, "limit.ban_deletes_all"
    ceiling = limits.max_ban_message_deletion
    if ceiling is not None and seconds > ceiling.total_seconds():
        return int(ceiling.total_seconds()), "limit.ban_deletion_too_long"
    return seconds, None
