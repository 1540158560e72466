"""What every platform adapter provides, and the delivery errors it may raise.

An adapter parses platform updates into events (`parse`, pure), carries out
actions (`execute`), and says what its platform can do (`capabilities`). The
errors below are the only thing the outbox sender needs to know about a
platform's failures: wait and retry, retry with backoff, or give up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from bot.actions import Action
from bot.events import Event
from bot.ratelimit import RatePolicy

EventSink = Callable[[Event], Awaitable[list[Action]]]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can do, as data the sender and capabilities may read.

    `rate_policy` is how fast the sender may go (None: no limit of ours).
    `delivery_keys` says `execute` accepts `key=`, the outbox row's idempotency
    key, and uses it so that a retried action is not carried out twice.
    `confirms_deliveries` says the adapter has `confirm(action, key, started_at)`:
    it can tell, after a crash, whether a call whose answer was lost arrived.
    `timed_bans` says a `Ban(until=...)` ends by itself on the platform.
    """

    buttons: bool = True
    max_buttons: int = 10
    max_text: int = 4096
    threads: bool = False
    moderation: bool = False  # delete, restrict, ban
    rate_policy: RatePolicy | None = None
    delivery_keys: bool = False
    confirms_deliveries: bool = False
    timed_bans: bool = False


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What a delivery made. `sequence_ids`: every message it made, where the platform numbers a
    chat's messages in one sequence (Telegram); the sender records them, so a send a later crash
    loses can be looked for above them (`bot.storage.message_ids`)."""

    message_id: str | None = None
    thread_id: str | None = None
    sequence_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class NotYet:
    """The platform has not said yet whether an earlier attempt arrived: ask again in `seconds`."""

    seconds: float


Confirmation = DeliveryResult | NotYet | None
"""What `confirm` learnt: it arrived (with its ids), not known yet, or not arrived (send it again)."""


class DeliveryError(Exception):
    """A platform call failed; the subclass says what the sender should do about it.

    `reason` is the code a `DeliveryFailed` event carries when the failure is final.
    """

    reason: ClassVar[str] = "rejected"


class RetryAfter(DeliveryError):
    """The platform asked us to slow down (HTTP 429): retry after `seconds`."""

    reason = "gave_up"

    def __init__(self, seconds: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {seconds:g}s)")
        self.seconds = seconds


class AuthExpired(DeliveryError):
    """The platform refused our credentials (HTTP 401, WhatsApp error 190): nothing gets through
    until the token is replaced, so the sender pauses the platform instead of failing every row."""

    reason = "auth_expired"


class TransientError(DeliveryError):
    """A 5xx, a timeout or a network error: retry with backoff."""

    reason = "gave_up"


class NoAnswer(TransientError):
    """The call went out and no answer came back (a read timeout, a dropped connection): the
    platform may have carried it out. Retried like any transient error, but where the platform
    can tell (`confirm`), what became of it is asked first."""


class PermanentError(DeliveryError):
    """The action can never succeed as it is (bad request, missing rights): give up and record why."""


class RecipientUnreachable(PermanentError):
    """The person blocked the bot or left: give up and mark them unreachable."""

    reason = "unreachable"


class Unsupported(PermanentError):
    """The platform cannot do this at all (a ban on WhatsApp): skip it and tell the core."""

    reason = "unsupported"


class OutsideWindow(PermanentError):
    """WhatsApp's 24-hour customer-service window is closed: free text may not be sent.

    `substitute` names what was sent instead (`template:<name>`), or None when nothing was.
    """

    reason = "outside_window"

    def __init__(self, message: str, substitute: str | None = None) -> None:
        super().__init__(message)
        self.substitute = substitute


class Adapter(Protocol):
    platform: str
    capabilities: Capabilities

    async def start(self, sink: EventSink) -> None:
        """Begin receiving updates and feed each event to `sink`."""
        ...

    async def stop(self) -> None:
        """Stop receiving; in-flight updates are finished by the caller. Sending must still work:
        the outbox is drained after this. Adapters holding connections also have `aclose()`,
        called last."""
        ...

    async def execute(self, action: Action) -> DeliveryResult:
        """Carry out `action`. Adapters with `capabilities.delivery_keys` also take `key=`."""
        ...

    def routes(self) -> list[Any]:
        """HTTP routes this adapter serves on the bot's server (webhooks), if any."""
        ...


class ConfirmsDeliveries(Protocol):
    """An adapter whose platform can tell whether a message whose answer we lost arrived."""

    async def confirm(self, action: Action, key: str, started_at: datetime) -> Confirmation:
        """Whether the call on outbox row `key`, begun at `started_at`, arrived; raises a
        `DeliveryError` when the platform took it and then reported a failure."""
        ...
