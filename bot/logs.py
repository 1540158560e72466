"""Structured logging: one line per record, key=value (or JSON), with personal data masked.

Handlers log facts (`event`, `outcome`, `ms`) as `extra` fields; message bodies are
logged only at DEBUG and masked even then. Libraries' records go through the same
formatter, so a token in a URL that a library logs is masked too.
"""

from __future__ import annotations

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


def _clean(value: object) -> str:
    return mask_pii(_TOKEN.sub("[token]", str(value)))


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
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we debug.
    for name in ("httpx", "httpcore", "telegram", "discord", "aiosqlite", "uvicorn.access", "alembic"):
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
