"""WhatsApp Cloud API webhooks as neutral events, and the signature that proves they came from Meta.

Pure functions of the request body. One delivery may carry several entries,
changes, messages and statuses at once (Meta batches them); every one becomes an
event. `update_id` is `whatsapp:<wamid>` for a message and
`whatsapp:status:<wamid>:<status>` for a status, so Meta's redeliveries are
recognised.

Nothing here trusts the body's shape: every field is checked for its type and for
what a real one looks like (a wamid, a wa_id, a Unix time) before it becomes part
of an event, and text is cut to WhatsApp's maximum and cleaned of what no database
stores. A malformed message costs only itself, never its neighbours, and never
a 500 (which would make Meta send the same bad delivery again for days).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from bot.adapters.incoming import MAX_DATA, MAX_NAME, WHATSAPP_MAX_TEXT, clean_text
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
_MAX_ERROR = 500
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
    """`X-Hub-Signature-256: sha256=<hex>` must be the HMAC-SHA256 of the raw body with the app secret.

    Compared as bytes: a header may hold any byte (HTTP headers arrive as Latin-1), and
    `hmac.compare_digest` refuses a str with non-ASCII characters instead of saying no.
    """
    if not header:
        return Signature.MISSING
    scheme, _, given = header.partition("=")
    if scheme.strip().lower() != "sha256" or not given:
        return Signature.INVALID
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest().encode()
    offered = given.strip().lower().encode("utf-8", "replace")
    return Signature.VALID if hmac.compare_digest(expected, offered) else Signature.INVALID


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for `body` (for tests and local tools)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class BadDelivery(ValueError):
    """A signed body that is not a webhook delivery at all (not JSON, not an object)."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """The events of one delivery, and what was skipped in it and why (for the log)."""

    events: list[Event] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class _Invalid(ValueError):
    """One message or status that cannot be read: skipped, its neighbours kept."""


def decode(body: bytes) -> Mapping[str, Any]:
    """The JSON object of a delivery, or BadDelivery saying what is wrong with it."""
    try:
        payload = json.loads(body)
    except RecursionError as exc:
        raise BadDelivery("nested too deeply") from exc
    except ValueError as exc:  # not UTF-8, not JSON, a number too long to read
        raise BadDelivery(f"not JSON: {str(exc)[:120]}") from exc
    if not isinstance(payload, dict):
        raise BadDelivery(f"a JSON {type(payload).__name__}, not an object")
    return payload


def parse(payload: Mapping[str, Any], phone_number_id: str | None = None) -> list[Event]:
    """Every readable message and status in one webhook delivery (see `parse_delivery`)."""
    return parse_delivery(payload, phone_number_id).events


def parse_delivery(payload: Mapping[str, Any], phone_number_id: str | None = None) -> Delivery:
    """Every message and status in one delivery (for our number, when `phone_number_id` is given).

    Each message and status is read on its own: one that is malformed (a missing id, a
    wrong type, an id longer than any WhatsApp id) is skipped and named in `skipped`,
    and the others of the same delivery still become events.
    """
    delivery = Delivery()
    if payload.get("object") != "whatsapp_business_account":
        return delivery
    for entry_index, entry in enumerate(_items(payload.get("entry"), "entry", delivery)):
        for change_index, change in enumerate(_items(entry.get("changes"), f"entry {entry_index} changes", delivery)):
            where = f"entry {entry_index} change {change_index}"
            if change.get("field") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                delivery.skipped.append(f"{where}: value is not an object")
                continue
            metadata = value.get("metadata")
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if phone_number_id is not None and number != phone_number_id:
                continue  # another number of the same app
            names = _names(value.get("contacts"))
            for index, message in enumerate(_items(value.get("messages"), f"{where} messages", delivery)):
                try:
                    event = _message(message, names)
                except _Invalid as exc:
                    delivery.skipped.append(f"{where} message {index}: {exc}")
                    continue
                if event is not None:
                    delivery.events.append(event)
            for index, status in enumerate(_items(value.get("statuses"), f"{where} statuses", delivery)):
                try:
                    delivery.events.append(_status(status))
                except _Invalid as exc:
                    delivery.skipped.append(f"{where} status {index}: {exc}")
    return delivery


def _items(value: Any, what: str, delivery: Delivery) -> list[dict[str, Any]]:
    """The objects of a JSON array; anything else in it is named in `skipped`."""
    if value is None:
        return []
    if not isinstance(value, list):
        delivery.skipped.append(f"{what}: not a list")
        return []
    items = [item for item in value if isinstance(item, dict)]
    if len(items) < len(value):
        delivery.skipped.append(f"{what}: {len(value) - len(items)} item(s) not an object")
    return items


def _names(contacts: Any) -> dict[str, str]:
    """wa_id -> profile name, from whatever well-formed contacts there are."""
    names: dict[str, str] = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if not isinstance(contact, dict):
            continue
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        wa_id = contact.get("wa_id")
        if isinstance(wa_id, str) and isinstance(name, str):
            names[wa_id] = clean_text(name, MAX_NAME)
    return names


# A wamid is base64 after "wamid."; a wa_id is the customer's number (or, with usernames,
# a business-scoped id such as "US.1234…"). Both are printable ASCII without spaces.
_WAMID = re.compile(r"[A-Za-z0-9._=+/:-]{1,128}")
_WA_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
_STATUS = re.compile(r"[a-z_]{1,16}")
_TIMESTAMP = re.compile(r"[0-9]{1,11}")


def _wamid(value: Any, what: str = "id") -> str:
    if not isinstance(value, str) or not _WAMID.fullmatch(value):
        raise _Invalid(f"{what} is not a WhatsApp message id")
    return value


def _wa_id(value: Any, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _WA_ID.fullmatch(value):
        raise _Invalid(f"{what} is not a WhatsApp id")
    return value


def _at(timestamp: Any) -> datetime:
    """A Unix time in seconds (a string of digits, as Meta sends it, or a number)."""
    if isinstance(timestamp, int) and not isinstance(timestamp, bool):
        timestamp = str(timestamp)
    if not isinstance(timestamp, str) or not _TIMESTAMP.fullmatch(timestamp):
        raise _Invalid("timestamp is not a Unix time")
    return datetime.fromtimestamp(int(timestamp), UTC)


def _text(value: Any, what: str, limit: int = WHATSAPP_MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid(f"{what} is not a string")
    return clean_text(value, limit)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid(f"{what} is not an object")
    return value


def _data(value: Any, fallback: Any, what: str) -> str:
    """A button's payload: its id (or, failing that, its title)."""
    for candidate in (value, fallback):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            candidate = str(candidate)
        if isinstance(candidate, str) and candidate:
            return clean_text(candidate, MAX_DATA)
    raise _Invalid(f"{what} has no id")


def _message(message: Mapping[str, Any], names: Mapping[str, str]) -> Event | None:
    wa_id = _wa_id(message.get("from"), "from")
    wamid = _wamid(message.get("id"))
    kind = message.get("type", "")
    if not isinstance(kind, str):
        raise _Invalid("type is not a string")
    context = _object(message.get("context"), "context")
    context_id = context.get("id")
    replied = context_id if isinstance(context_id, str) and _WAMID.fullmatch(context_id) else None
    common: dict[str, Any] = {
        "update_id": f"whatsapp:{wamid}",
        "address": Address(WHATSAPP, wa_id),
        "at": _at(message.get("timestamp")),
        "sender": Person(WHATSAPP, wa_id, name=names.get(wa_id, "")),
        "chat_kind": ChatKind.PRIVATE,
    }
    if kind == "interactive":
        interactive = _object(message.get("interactive"), "interactive")
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        if reply is None:
            return None  # a WhatsApp Flow's answer: not something we send
        reply = _object(reply, "interactive reply")
        return ButtonPressed(**common, data=_data(reply.get("id"), reply.get("title"), "interactive reply"),
                             message_id=replied)
    if kind == "button":  # a quick-reply button of a template
        button = _object(message.get("button"), "button")
        return ButtonPressed(**common, data=_data(button.get("payload"), button.get("text"), "button"),
                             message_id=replied)
    forwarded = bool(context.get("forwarded") or context.get("frequently_forwarded"))
    reply_to = MessageRef(message_id=replied) if replied and not forwarded else None
    if kind == "text":
        body = _text(_object(message.get("text"), "text").get("body"), "text.body")
        typed = parse_command(body)
        if typed is not None:
            return Command(**common, name=typed.name, args=typed.args, message_id=wamid, reply_to=reply_to)
        return Message(**common, message_id=wamid, text=body, reply_to=reply_to, links=find_urls(body),
                       forwarded=forwarded)
    if kind == "audio":
        voice = bool(_object(message.get("audio"), "audio").get("voice"))
        media = "voice" if voice else "audio"
        return Message(**common, message_id=wamid, media=media, reply_to=reply_to,
                       forwarded=forwarded, attachments=_attachment(message.get("audio"), media))
    if kind in _MEDIA:
        part = message.get(kind)
        caption = _text(part.get("caption"), f"{kind}.caption") if isinstance(part, dict) else ""
        return Message(**common, message_id=wamid, text=caption, media=_MEDIA[kind], reply_to=reply_to,
                       links=find_urls(caption), forwarded=forwarded, attachments=_attachment(part, _MEDIA[kind]))
    return None  # reactions, system notices (a changed number), ad referrals without text


_FILE_KINDS = ("photo", "video", "document", "sticker", "voice", "audio")


def _attachment(part: Any, kind: str) -> tuple[Media, ...]:
    """The media id of an image, video, document, sticker or audio (a location has none)."""
    if kind not in _FILE_KINDS or not isinstance(part, Mapping) or not part.get("id"):
        return ()
    return (Media(kind, WHATSAPP, _wamid(part["id"], f"{kind}.id"), file_name=_optional(part.get("filename"), 255),
                  mime_type=_optional(part.get("mime_type"), 127)),)


def _optional(value: Any, limit: int) -> str | None:
    """A descriptive field (a file name, a MIME type): kept when it is usable text, else dropped."""
    return clean_text(value, limit) or None if isinstance(value, str) else None


def _status(status: Mapping[str, Any]) -> DeliveryStatus:
    wamid = _wamid(status.get("id"))
    state = status.get("status")
    if not isinstance(state, str) or not _STATUS.fullmatch(state):
        raise _Invalid("status is not a delivery status")
    errors = status.get("errors")
    error = None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        code = first.get("code")
        title = first.get("title") or first.get("message") or ""
        error_data = first.get("error_data")
        details = error_data.get("details") if isinstance(error_data, dict) else None
        error = f"{code if isinstance(code, int) and not isinstance(code, bool) else '?'}: "
        error += clean_text(title if isinstance(title, str) else "", _MAX_ERROR)
        if isinstance(details, str) and details:
            error += f" ({clean_text(details, _MAX_ERROR)})"
    return DeliveryStatus(
        update_id=f"whatsapp:status:{wamid}:{state}",
        address=Address(WHATSAPP, _wa_id(status.get("recipient_id"), "recipient_id")),
        at=_at(status.get("timestamp")),
        chat_kind=ChatKind.PRIVATE,
        message_id=wamid,
        status=state,
        error=error,
        callback_data=status.get("biz_opaque_callback_data"),
    )


def error_code(error: str | None) -> int | None:
    """The Cloud API error code at the start of a `DeliveryStatus.error` (`"131047: ..."`)."""
    if not error:
        return None
    head = error.split(":", 1)[0]
    return int(head) if head.isdigit() else None
