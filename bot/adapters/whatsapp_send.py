"""What a `Send` becomes on WhatsApp: the Cloud API message payloads, planned without I/O.

WhatsApp's limits decide the shape:
- text up to 4,096 characters (longer texts are split);
- up to 3 reply buttons with titles of at most 20 characters;
- otherwise a list of up to 10 rows (titles of at most 24 characters; a longer
  label is shortened and given in full as the row's description);
- more than 10 choices become numbered lines, and the customer types a number;
- link buttons become "label: url" lines (WhatsApp allows one link button only,
  and never beside reply buttons);
- an interactive message's text is at most 1,024 characters, so a longer text
  goes first as plain messages and its last part carries the buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.actions import Button, Send
from bot.adapters.text import find_urls, split_text

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ID = 256


@dataclass(frozen=True, slots=True)
class SendPlan:
    """The payloads to post, in order, and the numbered choices they show (None: no change)."""

    payloads: tuple[dict[str, Any], ...]
    numbered_choices: tuple[str, ...] | None = None


def plan_send(action: Send, list_button: str) -> SendPlan:
    to = action.address.chat_id
    choices = [button for button in action.buttons if not button.url]
    text = action.text.strip()
    links = [f"{button.label}: {button.url}" for button in action.buttons if button.url]
    if links:
        text = "\n\n".join(part for part in (text, "\n".join(links)) if part)
    if not choices:
        return SendPlan(tuple(_texts(to, text, action.reply_to)))
    if len(choices) > MAX_LIST_ROWS or any(len(_id(button)) > MAX_ID for button in choices):
        numbered = "\n".join(f"{index}. {button.label}" for index, button in enumerate(choices, start=1))
        text = "\n\n".join(part for part in (text, numbered) if part)
        return SendPlan(tuple(_texts(to, text, action.reply_to)), tuple(_id(button) for button in choices))
    pieces = split_text(text, MAX_INTERACTIVE_BODY) or [choices[0].label]
    head = _texts(to, "\n\n".join(pieces[:-1]), action.reply_to)
    body = pieces[-1]
    fits_buttons = len(choices) <= MAX_REPLY_BUTTONS and all(len(b.label) <= MAX_BUTTON_TITLE for b in choices)
    interactive = _buttons(body, choices) if fits_buttons else _list(body, choices, list_button)
    payload = _envelope(to, "interactive", {"interactive": interactive})
    if not head and action.reply_to:
        payload = _with_context(payload, action.reply_to)
    return SendPlan((*head, payload), ())


def template_payload(to: str, name: str, language: str) -> dict[str, Any]:
    """A pre-approved template: the only thing WhatsApp lets a business send outside the 24-hour window."""
    return _envelope(to, "template", {"template": {"name": name, "language": {"code": language}}})


def _id(button: Button) -> str:
    return button.data or button.label


def _envelope(to: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, **body}


def _with_context(payload: dict[str, Any], reply_to: str) -> dict[str, Any]:
    return {**payload, "context": {"message_id": reply_to}} if reply_to.startswith("wamid.") else payload


def _texts(to: str, text: str, reply_to: str | None) -> list[dict[str, Any]]:
    payloads = [
        _envelope(to, "text", {"text": {"body": part, "preview_url": bool(find_urls(part))}})
        for part in split_text(text, MAX_TEXT)
    ]
    if payloads and reply_to:
        payloads[0] = _with_context(payloads[0], reply_to)
    return payloads


def _buttons(body: str, choices: list[Button]) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": body},
        "action": {"buttons": [{"type": "reply", "reply": {"id": _id(b), "title": b.label}} for b in choices]},
    }


def _list(body: str, choices: list[Button], list_button: str) -> dict[str, Any]:
    rows = []
    for button in choices:
        row: dict[str, Any] = {"id": _id(button), "title": _shorten(button.label, MAX_ROW_TITLE)}
        if len(button.label) > MAX_ROW_TITLE:
            row["description"] = _shorten(button.label, MAX_ROW_DESCRIPTION)
        rows.append(row)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {"button": list_button, "sections": [{"rows": rows}]},
    }


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


MAX_CAPTION = 1024
# Our kinds of file as the Cloud API's message types; only these three take a caption.
MEDIA_TYPES = {
    "photo": "image", "video": "video", "animation": "video", "video_note": "video",
    "document": "document", "voice": "audio", "audio": "audio", "sticker": "sticker",
}  # fmt: skip
_CAPTIONED = ("image", "video", "document")


def plan_media(action: Send, kind: str, media_id: str, list_button: str, file_name: str | None = None) -> SendPlan:
    """A file by its WhatsApp media id, with the text as its caption when the type takes one
    and the text fits; otherwise (or with buttons) the file first, then the text as usual."""
    media_type = MEDIA_TYPES.get(kind, "document")
    body: dict[str, Any] = {"id": media_id}
    if media_type == "document" and file_name:
        body["filename"] = file_name
    text = action.text.strip()
    captioned = media_type in _CAPTIONED and len(text) <= MAX_CAPTION and not action.buttons
    if captioned and text:
        body["caption"] = text
    payload = _envelope(action.address.chat_id, media_type, {media_type: body})
    if action.reply_to:
        payload = _with_context(payload, action.reply_to)
    if captioned or not (text or action.buttons):
        return SendPlan((payload,))
    rest = plan_send(Send(address=action.address, text=text, buttons=action.buttons), list_button)
    return SendPlan((payload, *rest.payloads), rest.numbered_choices)
