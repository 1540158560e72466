"""What a sender did recently in a chat: the short memory behind flood and repeat rules.

The rules are pure: they read a `RecentActivity` snapshot. The shell keeps the memory
and takes the snapshot with `record(...)` *before* evaluating a message, so the
snapshot includes the message being judged as its last entry. `ActivityTracker` keeps
it in process memory; a Redis-backed recorder (for several workers) implements the
same `record` with a sorted set per (chat, user), trimmed to the window — likely as
`async def record`, which changes nothing for the rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

DEFAULT_WINDOW = timedelta(hours=1)
"""Longest window any rule may look back; settings refuse longer flood/repeat windows."""


class RecentActivity(NamedTuple):
    """A sender's messages in one chat within the window, oldest first.

    `fingerprints[i]` is `text_fingerprint` of the message sent at `timestamps[i]`
    ("" for messages without comparable text). The last entry is the current message.
    (A named tuple rather than a dataclass: one is built for every message.)
    """

    timestamps: tuple[datetime, ...] = ()
    fingerprints: tuple[str, ...] = ()

    def count_since(self, moment: datetime) -> int:
        """Messages sent after `moment`."""
        count = 0
        for at in reversed(self.timestamps):
            if at <= moment:
                break
            count += 1
        return count

    def repeats_since(self, fingerprint: str, moment: datetime) -> int:
        """Messages with this fingerprint sent after `moment` (the current one included)."""
        if not fingerprint:
            return 0
        return sum(
            1
            for at, seen in zip(self.timestamps, self.fingerprints, strict=True)
            if at > moment and seen == fingerprint
        )

    @property
    def current_fingerprint(self) -> str:
        return self.fingerprints[-1] if self.fingerprints else ""


NO_ACTIVITY = RecentActivity()


class ActivityRecorder(Protocol):
    """Anything that remembers recent messages per (chat, sender)."""

    def record(
        self, chat_key: str, user_key: str, at: datetime, text_fingerprint: str
    ) -> RecentActivity: ...


class ActivityTracker:
    """In-memory `ActivityRecorder` for one process.

    Keeps at most `max_per_user` messages per (chat, sender), none older than
    `window` before the newest, and forgets the least recently active senders beyond
    `max_senders`, so memory stays bounded however many people write.
    """

    def __init__(
        self,
        window: timedelta = DEFAULT_WINDOW,
        max_per_user: int = 100,
        max_senders: int = 200_000,
    ) -> None:
        self._window = window
        self._max_per_user = max_per_user
        self._max_senders = max_senders
        # (chat, sender) -> the last snapshot. Snapshots are immutable tuples, so the next
        # message extends a copy; a dict keeps insertion order, and re-inserting on every
        # message puts the least recently active sender first, to be forgotten first.
        self._entries: dict[tuple[str, str], RecentActivity] = {}

    def record(
        self, chat_key: str, user_key: str, at: datetime, text_fingerprint: str
    ) -> RecentActivity:
        key = (chat_key, user_key)
        previous = self._entries.pop(key, None)
        if previous is None:
            timestamps: tuple[datetime, ...] = (at,)
            fingerprints: tuple[str, ...] = (text_fingerprint,)
            if len(self._entries) >= self._max_senders:
                del self._entries[next(iter(self._entries))]
        else:
            timestamps = (*previous.timestamps, at)
            fingerprints = (*previous.fingerprints, text_fingerprint)
            horizon = at - self._window
            keep_from = max(0, len(timestamps) - self._max_per_user)
            while timestamps[keep_from] <= horizon:
                keep_from += 1
            if keep_from:
                timestamps, fingerprints = timestamps[keep_from:], fingerprints[keep_from:]
        snapshot = self._entries[key] = RecentActivity(timestamps, fingerprints)
        return snapshot

    def forget(self, chat_key: str, user_key: str) -> None:
        """Drop a sender's memory (after a ban, say)."""
        self._entries.pop((chat_key, user_key), None)

    def __len__(self) -> int:
        return len(self._entries)
