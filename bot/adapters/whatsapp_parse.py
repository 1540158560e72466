"""WhatsApp Cloud API webhooks as neutral events, and the signature that proves they came from Meta.

Pure functions of the request body. One delivery may carry several entries,
changes, messages and statuses at once (Meta batches them); every one becomes an
event. `update_id` is `whatsapp:<wamid>` for a message and
`whatsapp:status:<wamid>:<status>` for a status, so Meta's redeliveries are
recognised.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from bot.adapters.text import find_urls, parse_command
from bot.events import (
    Address,
    ButtonPressed,
    ChatKind,
    Command,
    DeliveryStatus,
    Event,
    Media,
    Message,
    MessageRef,
    Person,
    Platform,
)

WHATSAPP = Platform.WHATSAPP.value
SIGNATURE_HEADER = "X-Hub-Signature-256"
_MEDIA = {
    "image": "photo",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "contacts": "contact",
    "order": "order",
    "unsupported": "unsupported",
}


class Signature(Enum):
    VALID = "valid"
    MISSING = "missing"
    INVALID = "invalid"


def check_signature(body: bytes, header: str | None, app_secret: str) -> Signature:
    """`X-Hub-Signature-256: sha256=<hex>` must be the HMAC-SHA256 of the raw body with the app secret."""
    if not header:
        return Signature.MISSING
    scheme, _, given = header.partition("=")
    if scheme != "sha256" or not given:
        return Signature.INVALID
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return Signature.VALID if hmac.compare_digest(expected, given.strip().lower()) else Signature.INVALID


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for `body` (for tests and local tools)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def parse(payload: Mapping[str, Any], phone_number_id: str | None = None) -> list[Event]:
    """Every message and status in one webhook delivery (for our number, when `phone_number_id` is given)."""
    if payload.get("object") != "whatsapp_business_account":
        return []
    events: list[Event] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            value = change.get("value") or {}
            number = (value.get("metadata") or {}).get("phone_number_id")
            if phone_number_id is not None and number != phone_number_id:
                continue  # another number of the same app
            names = {
                contact.get("wa_id"): (contact.get("profile") or {}).get("name", "")
                for contact in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                event = _message(message, names)
                if event is not None:
                    events.append(event)
            events.extend(_status(status) for status in value.get("statuses") or [])
    return events


def _at(timestamp: Any) -> datetime:
    return datetime.fromtimestamp(int(timestamp), UTC)


def _message(message: Mapping[str, Any], names: Mapping[str, str]) -> Event | None:
    wa_id = str(message["from"])
    kind = message.get("type", "")
    context = message.get("context") or {}
    common: dict[str, Any] = {
        "update_id": f"whatsapp:{message['id']}",
        "address": Address(WHATSAPP, wa_id),
        "at": _at(message["timestamp"]),
        "sender": Person(WHATSAPP, wa_id, name=names.get(wa_id, "")),
        "chat_kind": ChatKind.PRIVATE,
    }
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        if reply is None:
            return None  # a WhatsApp Flow's answer: not something we send
        return ButtonPressed(**common, data=str(reply.get("id") or reply.get("title", "")),
                             message_id=context.get("id"))
    if kind == "button":  # a quick-reply button of a template
        button = message.get("button") or {}
        return ButtonPressed(**common, data=str(button.get("payload") or button.get("text", "")),
                             message_id=context.get("id"))
    forwarded = bool(context.get("forwarded") or context.get("frequently_forwarded"))
    reply_to = MessageRef(message_id=context["id"]) if context.get("id") and not forwarded else None
    if kind == "text":
        body = (message.get("text") or {}).get("body", "")
        typed = parse_command(body)
        if typed is not None:
            return Command(**common, name=typed.name, args=typed.args, message_id=message["id"], reply_to=reply_to)
        return Message(**common, message_id=message["id"], text=body, reply_to=reply_to, links=find_urls(body),
                       forwarded=forwarded)
    if kind == "audio":
        voice = bool((message.get("audio") or {}).get("voice"))
        media = "voice" if voice else "audio"
        return Message(**common, message_id=message["id"], media=media, reply_to=reply_to,
                       forwarded=forwarded, attachments=_attachment(message.get("audio"), media))
    if kind in _MEDIA:
        caption = (message.get(kind) or {}).get("caption", "") if isinstance(message.get(kind), dict) else ""
        return Message(**common, message_id=message["id"], text=caption, media=_MEDIA[kind], reply_to=reply_to,
                       links=find_urls(caption), forwarded=forwarded,
                       attachments=_attachment(message.get(kind), _MEDIA[kind]))
    return None  # reactions, system notices (a changed number), ad referrals without text


_FILE_KINDS = ("photo", "video", "document", "sticker", "voice", "audio")


def _attachment(part: Any, kind: str) -> tuple[Media, ...]:
    """The media id of an image, video, document, sticker or audio (a location has none)."""
    if kind not in _FILE_KINDS or not isinstance(part, Mapping) or not part.get("id"):
        return ()
    return (Media(kind, WHATSAPP, str(part["id"]), file_name=part.get("filename"), mime_type=part.get("mime_type")),)


def _status(status: Mapping[str, Any]) -> DeliveryStatus:
    errors = status.get("errors") or []
    error = None
    if errors:
        first = errors[0]
        details = (first.get("error_data") or {}).get("details")
        error = f"{first.get('code')}: {first.get('title') or first.get('message', '')}"
        if details:
            error += f" ({details})"
    return DeliveryStatus(
        update_id=f"whatsapp:status:{status['id']}:{status['status']}",
        address=Address(WHATSAPP, str(status["recipient_id"])),
        at=_at(status["timestamp"]),
        chat_kind=ChatKind.PRIVATE,
        message_id=str(status["id"]),
        status=str(status["status"]),
        error=error,
    )


def error_code(error: str | None) -> int | None:
    """The Cloud API error code at the start of a `DeliveryStatus.error` (`"131047: ..."`)."""
    if not error:
        return None
    head = error.split(":", 1)[0]
    return int(head) if head.isdigit() else None
