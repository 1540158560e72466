"""Structured logging: one line per record, key=value (or JSON), with personal data masked.

Handlers log facts (`event`, `outcome`, `ms`) as `extra` fields, never message bodies.
Every record, ours and the libraries', goes through the same formatter, which masks:
tokens (a Telegram token in an API URL), phone numbers, e-mail addresses, card numbers
and secrets (`bot.privacy`), WhatsApp message ids (Meta writes the sender's number into
them, in base64: a short digest stands in, so one message can still be followed), and
URLs down to their host and the API's own words in their path (a WhatsApp media id or a
Telegram file id in a download URL is a customer's file). A Telegram or Discord user id
is an account number, not a phone: it stays, so a log can follow one conversation.

`DEBUG` is the bot's own debug lines. Libraries stay at `INFO` even then: their debug
lines are the requests they make and the SQL they run, with the customers' messages,
names and files in them, which no mask can tell from the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.privacy import mask_pii

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName", "color_message"}
# Telegram bot tokens appear in API URLs that HTTP libraries log (".../bot123:AAE.../sendMessage").
_TOKEN = re.compile(r"(?<!\d)\d{6,}:[A-Za-z0-9_-]{20,}")
# A WhatsApp message id: "wamid." and base64 holding the customer's number.
_WAMID = re.compile(r"wamid\.[A-Za-z0-9+/=_-]++")
_URL = re.compile(r"(?P<origin>https?://[^\s/\"'<>]++)(?P<path>/[^\s?#\"'<>]*+)?(?P<rest>[?#][^\s\"'<>]*+)?")
# Path segments that are the API's words, not anyone's data: `sendMessage`, `messages`, `v21.0`.
_API_WORD = re.compile(r"[a-z]++(?:[A-Z][a-z]++){0,3}|v\d++(?:\.\d++)?|bot\[token\]")
_API_WORD_MAX = 40

# Libraries whose INFO lines are noise unless debugging; they never log below INFO.
_CHATTY = ("httpx", "httpcore", "telegram", "discord", "uvicorn.access", "alembic")
# Libraries whose every line is a database statement with its parameters: warnings only.
_STATEMENTS = ("aiosqlite", "sqlalchemy")


def _digest(match: re.Match[str]) -> str:
    return "wamid.#" + hashlib.blake2s(match.group(0).encode(), digest_size=4).hexdigest()


def _segment(segment: str) -> str:
    if not segment or (len(segment) <= _API_WORD_MAX and _API_WORD.fullmatch(segment)):
        return segment
    return "…"


def _url(match: re.Match[str]) -> str:
    path = "/".join(_segment(segment) for segment in (match.group("path") or "").split("/"))
    return match.group("origin") + path + ("?…" if match.group("rest") else "")


def _clean(value: object) -> str:
    text = _TOKEN.sub("[token]", str(value))
    if "wamid." in text:
        text = _WAMID.sub(_digest, text)
    if "://" in text:
        text = _URL.sub(_url, text)
    return mask_pii(text)


class StructuredFormatter(logging.Formatter):
    def __init__(self, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": _clean(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                fields[key] = _clean(value) if isinstance(value, str) else value
        if record.exc_info:
            fields["exc"] = _clean(self.formatException(record.exc_info))
        if self.as_json:
            return json.dumps(fields, ensure_ascii=False, default=str)
        return " ".join(f"{key}={_logfmt(value)}" for key, value in fields.items())


def _logfmt(value: object) -> str:
    text = str(value)
    if text == "" or any(char in text for char in ' "=\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


def configure_logging(level: str = "INFO", as_json: bool = False, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(StructuredFormatter(as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    wanted = logging.getLevelName(level)
    # Under DEBUG only the bot's own loggers go below INFO (see the module docstring).
    root.setLevel(max(wanted, logging.INFO))
    logging.getLogger("bot").setLevel(wanted)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.INFO if wanted == logging.DEBUG else max(wanted, logging.WARNING))
    for name in _STATEMENTS:
        logging.getLogger(name).setLevel(max(wanted, logging.WARNING))
