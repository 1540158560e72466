"""WhatsApp through the Cloud API: webhooks in, Graph API calls out (httpx, our own code).

Receiving. Meta verifies the webhook once with a GET (`hub.mode`, `hub.verify_token`,
`hub.challenge`) and signs every POST with `X-Hub-Signature-256`, the HMAC-SHA256
of the raw body with the app secret. A request without a signature is answered
401, one with a wrong signature 403, both logged. A signed delivery is answered
200 as soon as its events are stored (the core's transaction with its outbox, group
committed with whatever else arrived; the replies are sent after), so a crash before
the answer means Meta delivers it again and nothing is lost: each customer's events
in order, their last message time stored (the 24-hour window), delivery statuses
stored, a failed status reported to the core as `DeliveryFailed`. A delivery that
could not be stored is answered 500, which makes Meta retry. A signed body that is
not a delivery at all (not a JSON object) is answered 400; a malformed message or
status inside a delivery is skipped and logged, and its neighbours are handled.

Sending. A `Send` becomes text, reply buttons, a list or numbered lines
(`whatsapp_send.plan_send`). Outside the customer-service window (24 hours after
the customer's last message) free text is not sent: the configured template is,
and the core hears "not delivered: outside_window" either way, so the agent
knows. Moderation does not exist on WhatsApp: such actions are skipped and
reported (`Unsupported`), never a crash. A refused token (error 190, HTTP 401)
is `AuthExpired`: the sender pauses WhatsApp instead of failing every reply.

Nothing twice. Every message carries its outbox key and part as
`biz_opaque_callback_data`, which Meta echoes in the message's status webhooks,
stored with the status. When a sender died between posting a message and
recording the answer, `confirm` reads those statuses: the parts that arrived are
not posted again, and a message with no status yet waits up to
`whatsapp.status_wait_seconds` after the lost attempt before it is re-sent.

Why not pywa: we need five endpoints, a webhook on our own Starlette app, and the
API's error codes mapped precisely onto the outbox's decisions; pywa brings its own
server integration (Flask/FastAPI) and handler dispatch (the version we reviewed
chose a handler from the first message of a batched delivery only). See docs/platforms.md.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import weakref
from collections import OrderedDict
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.actions import Action, Send
from bot.adapters.base import (
    AuthExpired,
    Capabilities,
    Confirmation,
    DeliveryResult,
    EventSink,
    NoAnswer,
    NotYet,
    OutsideWindow,
    PermanentError,
    RecipientUnreachable,
    RetryAfter,
    TransientError,
    Unsupported,
)
from bot.adapters.media import MAX_BYTES, MediaBridge, MediaFile, named_file
from bot.adapters.tls import client_tls
from bot.adapters.whatsapp_parse import (
    SIGNATURE_HEADER,
    WHATSAPP,
    BadDelivery,
    Signature,
    check_signature,
    decode,
    error_code,
    parse_delivery,
)
from bot.adapters.whatsapp_send import MAX_TEXT, SendPlan, plan_media, plan_send, template_payload
from bot.clock import Clock
from bot.config import ConfigError, Settings
from bot.delivery import failure_event
from bot.events import ButtonPressed, Command, DeliveryStatus, Event, Media, Message
from bot.ratelimit import WHATSAPP_RATES
from bot.storage import Store

log = logging.getLogger("bot.adapters.whatsapp")

SERVICE_WINDOW = timedelta(hours=24)
_TYPED_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
# Cloud API error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
_RATE_LIMITED = {130429: 1.0, 131056: 6.0, 80007: 60.0, 4: 60.0, 613: 60.0}
_OUTSIDE_WINDOW = 131047
_UNREACHABLE = {131026, 131050}  # undeliverable (not on WhatsApp, old app, blocked); stopped marketing
_TRY_AGAIN = {1, 2, 131000, 131016, 133004}  # unknown error, service unavailable, server temporarily unavailable
_TOKEN_REFUSED = 190  # access token expired or invalidated
# Failures before the request left: WhatsApp cannot have the message (others may be a lost answer).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAX_CALLBACK_DATA = 512


class WhatsAppAdapter:
    platform = WHATSAPP

    def __init__(self, settings: Settings, clock: Clock, *, store: Store | None = None) -> None:
        config = settings.whatsapp
        if config.access_token is None or config.phone_number_id is None:
            raise ConfigError("whatsapp.access_token and whatsapp.phone_number_id are needed")
        self.config = config
        self.clock = clock
        self.store = store
        self.capabilities = Capabilities(
            buttons=True,
            max_buttons=10,
            max_text=MAX_TEXT,
            threads=False,
            moderation=False,
            rate_policy=WHATSAPP_RATES,
            delivery_keys=True,
            confirms_deliveries=True,
        )
        self._http = httpx.AsyncClient(
            base_url=config.graph_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {config.access_token.get_secret_value()}"},
            timeout=config.request_timeout_seconds,
            verify=client_tls(),
        )
        self._sink: EventSink | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._chat_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._progress: OrderedDict[str, list[str]] = OrderedDict()  # parts sent, by outbox key
        self.media_bridge: MediaBridge | None = None  # files of other platforms (`link_media`)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        log.info("whatsapp webhook ready", extra={"platform": WHATSAPP, "path": self.config.webhook_path})

    async def stop(self) -> None:
        """Stop taking deliveries and finish the ones already accepted. Sending still works."""
        await self.settled()
        self._sink = None

    async def aclose(self) -> None:
        """Release the HTTP client (after the last delivery)."""
        await self.stop()
        await self._http.aclose()

    async def settled(self) -> None:
        """Wait until every accepted delivery has been handled."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def routes(self) -> list[Any]:
        path = self.config.webhook_path
        return [Route(path, self._verify, methods=["GET"]), Route(path, self._receive, methods=["POST"])]

    # ------------------------------------------------------------------ receiving

    async def _verify(self, request: Request) -> Response:
        """Meta's one-time check that this URL is ours: echo the challenge if the token matches."""
        params = request.query_params
        token = params.get("hub.verify_token", "").encode()
        expected = self._secret("verify_token").encode()
        if params.get("hub.mode") == "subscribe" and hmac.compare_digest(token, expected):
            return PlainTextResponse(params.get("hub.challenge", ""))
        log.warning("whatsapp verification refused: wrong verify token", extra={"platform": WHATSAPP})
        return Response(status_code=403)

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        signature = check_signature(body, request.headers.get(SIGNATURE_HEADER), self._secret("app_secret"))
        if signature is not Signature.VALID:
            log.warning(
                "whatsapp webhook rejected: %s signature", signature.value,
                extra={"platform": WHATSAPP, "client": request.client.host if request.client else "-"},
            )
            return Response(status_code=401 if signature is Signature.MISSING else 403)
        if self._sink is None:
            return Response(status_code=503)  # not running: Meta delivers it again later
        try:
            delivery = parse_delivery(decode(body), self.config.phone_number_id)
        except BadDelivery as exc:
            log.warning("whatsapp webhook refused: %s", exc, extra={"platform": WHATSAPP})
            return Response(status_code=400)
        for problem in delivery.skipped:
            log.warning("whatsapp webhook: skipped %s", problem, extra={"platform": WHATSAPP})
        try:
            await self._handle_all(delivery.events)
        except Exception:
            return Response(status_code=500)  # not stored: Meta delivers it again; the core dedupes
        return Response(status_code=200)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_all(self, events: list[Event]) -> None:
        """Hand every event to the core and wait until each is stored (raises if one was not)."""
        failed = 0
        for event in events:
            lock = self._chat_locks.setdefault(event.address.chat_id, asyncio.Lock())
            async with lock:  # one customer's messages in the order they came
                try:
                    await self.handle_event(event)
                except Exception:
                    failed += 1
                    log.exception("whatsapp event not handled", extra={"update": event.update_id})
        if failed:
            raise RuntimeError(f"{failed} whatsapp event(s) not stored")

    async def handle_event(self, event: Event) -> None:
        if self._sink is None:
            return
        if isinstance(event, DeliveryStatus):
            await self._status(event)
            return
        if isinstance(event, Message | Command | ButtonPressed) and self.store is not None:
            async with self.store.transaction() as tx:
                if not await tx.dedupe.seen(event.update_id):  # a redelivery must not bring an erased contact back
                    await tx.whatsapp.saw_message(event.address.chat_id, event.at)
                if isinstance(event, Message) and _TYPED_CHOICE.match(event.text or ""):
                    event = await self._typed_choice(event, *await tx.whatsapp.choices(event.address.chat_id))
        await self._sink(event)

    async def _typed_choice(self, event: Message, choices: list[str], shown_at: Any) -> Event:
        """"2" after numbered choices means the second one, for a day after they were shown."""
        match = _TYPED_CHOICE.match(event.text)
        assert match is not None
        number = int(match.group(1))
        if not choices or shown_at is None or event.at - shown_at > SERVICE_WINDOW or not 1 <= number <= len(choices):
            return event
        common = {name: getattr(event, name) for name in ("update_id", "address", "at", "sender", "chat_kind")}
        return ButtonPressed(**common, data=choices[number - 1], message_id=event.message_id)

    async def _status(self, event: DeliveryStatus) -> None:
        """Store every status; a failure of a message we sent is reported to the core."""
        if self.store is None:
            return
        async with self.store.transaction() as tx:
            # Only for contacts: a late "read" for the goodbye to an erased customer must not store their number again.
            if await tx.whatsapp.known(event.address.chat_id):
                await tx.deliveries.record(WHATSAPP, event.message_id, event.address.chat_id, event.status, event.at,
                                           event.error, callback_data=event.callback_data)
            entry = await tx.outbox.find_sent(WHATSAPP, event.message_id) if event.status == "failed" else None
            if entry is not None:
                reason = _failure_reason(error_code(event.error))
                await tx.outbox.fail_after_sent(entry.id, event.error or "failed", reason)
        if entry is not None and self._sink is not None:
            await self._sink(failure_event(entry, reason, event.error or "failed", event.at))

    # ------------------------------------------------------------------ sending

    async def execute(self, action: Action, *, key: str = "") -> DeliveryResult:
        if not isinstance(action, Send):
            raise Unsupported(f"WhatsApp has no {action.kind} for business accounts")
        return await self._send(action, key)

    async def _send(self, action: Send, key: str) -> DeliveryResult:
        to = action.address.chat_id
        if not await self._window_open(to):
            await self._outside_window(action, "more than 24 hours since the customer's last message", key)
        sent = list(self._progress.get(key, [])) if key else []
        plan = await self._plan_media(action, action.media, sent) if action.media else None
        plan = plan or plan_send(action, self.config.list_button)
        for index, payload in enumerate(plan.payloads):
            if index < len(sent):
                continue  # sent before a failure (or confirmed by its statuses after a crash)
            try:
                sent.append(await self._post(payload, _callback_data(key, index)))
            except OutsideWindow:
                if sent:
                    raise
                await self._outside_window(action, "WhatsApp refused it: the 24-hour window has closed", key)
            if key:
                self._progress[key] = list(sent)
                self._progress.move_to_end(key)
                while len(self._progress) > 1000:
                    self._progress.popitem(last=False)
        await self._remember_choices(to, plan.numbered_choices)
        return DeliveryResult(message_id=(sent[0] or None) if sent else None)

    async def _remember_choices(self, to: str, choices: tuple[str, ...] | None) -> None:
        if choices is not None and self.store is not None:
            async with self.store.transaction() as tx:
                await tx.whatsapp.set_choices(to, list(choices), self.clock.now())

    async def confirm(self, action: Action, key: str, started_at: datetime) -> Confirmation:
        """What became of a send whose answer a crash lost, by the status webhooks of its parts.

        Every part has a status: it arrived (nothing is posted again). A part failed after
        WhatsApp took it: that failure. Some or none have one: wait for them until
        `status_wait_seconds` after the lost attempt, then post what has no status (a part
        after one with a status was taken too: parts go one after the other).
        """
        if not isinstance(action, Send) or self.store is None or not key:
            return None
        if action.media is not None:  # the same parts as the send: the file first (its id does not matter here)
            plan = plan_media(action, action.media.kind, "", self.config.list_button, action.media.file_name)
        else:
            plan = plan_send(action, self.config.list_button)
        parts = [_callback_data(key, index) for index in range(len(plan.payloads))]
        template = _callback_data(key, "template")
        async with self.store.transaction() as tx:
            statuses = await tx.deliveries.by_callback(WHATSAPP, [*parts, template])
        if template in statuses:
            name = action.fallback_template or self.config.out_of_window_template
            raise OutsideWindow(f"not sent: the 24-hour window had closed; sent the template {name!r} instead",
                                substitute=f"template:{name}")
        for part in parts:
            status = statuses.get(part)
            if status is not None and status.status == "failed":
                raise _failed_after_sent(status.error or "failed")
        if all(part in statuses for part in parts):
            await self._remember_choices(action.address.chat_id, plan.numbered_choices)
            return DeliveryResult(message_id=statuses[parts[0]].message_id)
        left = self.config.status_wait_seconds - (self.clock.now() - started_at).total_seconds()
        if left > 0:
            return NotYet(left)
        known = [index for index, part in enumerate(parts) if part in statuses]
        if known:
            taken = [statuses[part].message_id if part in statuses else "" for part in parts[: known[-1] + 1]]
            self._progress[key] = taken
        return None

    async def _plan_media(self, action: Send, media: Media, sent: list[str]) -> SendPlan:
        """The file goes first: by its media id if it is WhatsApp's, else fetched and uploaded
        (unless it went already, before a failure of what follows it)."""
        media_id = media.file_id if media.platform == WHATSAPP else ""
        file_name = media.file_name
        if not media_id and not sent:
            if self.media_bridge is None:
                raise Unsupported(f"cannot pass on a {media.platform} file: no media bridge (see bot.adapters.media)")
            fetched = await self.media_bridge.fetch(media)
            media_id, file_name = await self._upload(fetched), fetched.file_name
        return plan_media(action, media.kind, media_id, self.config.list_button, file_name)

    async def _upload(self, found: MediaFile) -> str:
        """Upload a file to the Cloud API; its media id can then be sent (Meta keeps it 30 days)."""
        try:
            response = await self._http.post(
                f"{self.config.phone_number_id}/media",
                data={"messaging_product": "whatsapp", "type": found.mime_type},
                files={"file": (found.file_name, found.content, found.mime_type)},
            )
        except httpx.TransportError as exc:
            raise TransientError(f"cannot reach WhatsApp: {exc!r}") from exc
        if not response.is_success:
            raise _error(response)
        return str(response.json()["id"])

    async def download(self, media: Media) -> MediaFile:
        """A customer's file: its URL from the media id, then the bytes (both with our token)."""
        try:
            found = await self._http.get(media.file_id)
            if not found.is_success:
                raise _error(found)
            about = found.json()
            size = int(about.get("file_size") or 0)
            if size > MAX_BYTES:
                raise PermanentError(f"the file is too large to pass on ({size / 1024 / 1024:.1f} MB; at most 20 MB)")
            content = await self._http.get(str(about["url"]))
        except httpx.TransportError as exc:
            raise TransientError(f"cannot reach WhatsApp: {exc!r}") from exc
        if not content.is_success:
            raise _error(content)
        return named_file(media, content.content, mime_type=about.get("mime_type"))

    async def _window_open(self, wa_id: str) -> bool:
        if self.store is None:
            return True  # nothing to go by: let WhatsApp decide (error 131047)
        async with self.store.transaction() as tx:
            last = await tx.whatsapp.last_message_at(wa_id)
        return last is not None and self.clock.now() - last < SERVICE_WINDOW

    async def _outside_window(self, action: Send, why: str, key: str = "") -> None:
        """Send the re-engagement template if there is one; the action itself fails either way."""
        template = action.fallback_template or self.config.out_of_window_template
        if template is None:
            raise OutsideWindow(f"not sent: {why}; no template is configured (whatsapp.out_of_window_template)")
        await self._post(template_payload(action.address.chat_id, template, self.config.template_language),
                         _callback_data(key, "template"))
        raise OutsideWindow(
            f"not sent: {why}; sent the template {template!r} instead", substitute=f"template:{template}"
        )

    async def _post(self, payload: dict[str, Any], callback_data: str | None = None) -> str:
        """One message to the Graph API; returns its wamid or raises what the sender should do."""
        if callback_data and len(callback_data) <= _MAX_CALLBACK_DATA:
            payload = {**payload, "biz_opaque_callback_data": callback_data}
        try:
            response = await self._http.post(f"{self.config.phone_number_id}/messages", json=payload)
        except _NOT_SENT as exc:
            raise TransientError(f"cannot reach WhatsApp: {exc!r}") from exc
        except httpx.TimeoutException as exc:
            raise NoAnswer(f"WhatsApp did not answer in time: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise NoAnswer(f"the connection to WhatsApp broke before its answer: {exc!r}") from exc
        if response.is_success:
            return str(response.json()["messages"][0]["id"])
        raise _error(response)

    def _secret(self, name: str) -> str:
        value = getattr(self.config, name)
        assert value is not None  # the settings refuse WhatsApp without it
        return str(value.get_secret_value())


def _error(response: httpx.Response) -> Exception:
    """A Graph API error as the sender's decision, by its code first and its HTTP status second."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (error.get("error_data") or {}).get("details")
    text = f"{code}: {error.get('message', response.reason_phrase)}" + (f" ({details})" if details else "")
    if code == _TOKEN_REFUSED or response.status_code == 401:
        return AuthExpired(text)
    if code in _RATE_LIMITED or response.status_code == 429:
        header = response.headers.get("Retry-After", "")
        fallback = _RATE_LIMITED.get(code, 5.0) if code is not None else 5.0
        seconds = float(header) if header.replace(".", "", 1).isdigit() else fallback
        return RetryAfter(seconds, text)
    if code == _OUTSIDE_WINDOW:
        return OutsideWindow(text)
    if code in _UNREACHABLE:
        return RecipientUnreachable(text)
    if code in _TRY_AGAIN or response.status_code >= 500:
        return TransientError(text)
    return PermanentError(text)


def _callback_data(key: str, part: int | str) -> str:
    """What a message carries to be recognised in its status webhooks: its outbox key and part."""
    return f"{key}|{part}" if key else ""


def _failed_after_sent(error: str) -> Exception:
    """A part WhatsApp took and then reported failed, as the error the sender records."""
    reason = _failure_reason(error_code(error))
    if reason == "outside_window":
        return OutsideWindow(error)
    if reason == "unreachable":
        return RecipientUnreachable(error)
    return PermanentError(error)


def _failure_reason(code: int | None) -> str:
    if code == _OUTSIDE_WINDOW:
        return "outside_window"
    if code in _UNREACHABLE:
        return "unreachable"
    return "rejected"
