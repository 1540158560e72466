"""What every adapter does to text a platform hands us, before anything reads or stores it.

Incoming text is cut to the platform's own maximum (a client or a forged request may
send far more; analysis and storage must never see more than a real message can
hold), and cleaned of what no database column accepts: lone UTF-16 surrogates (JSON
may escape them, `"\\ud800"`, and they cannot be encoded as UTF-8) and NUL and other
control characters (PostgreSQL refuses NUL in text). Both steps are linear.
"""

from __future__ import annotations

import re

TELEGRAM_MAX_TEXT = 4096  # a message's text or caption, as Telegram caps it
WHATSAPP_MAX_TEXT = 4096  # a text message's body on the Cloud API
DISCORD_MAX_TEXT = 4000  # a message's content with Nitro (2000 without)
MAX_NAME = 128  # a person's or chat's display name (platforms allow 32-128)
MAX_DATA = 256  # a button's payload (WhatsApp: 256; Telegram callback data: 64 bytes)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls except tab, line feed and carriage return; and DEL.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def clean_text(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with no lone surrogates and no control characters."""
    if len(text) > limit:
        text = text[:limit]
    if not text.isascii():
        text = _LONE_SURROGATE.sub("\ufffd", text)
    return text.translate(_CONTROLS) if not text.isprintable() else text
