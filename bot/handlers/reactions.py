"""Messages made only of emoji: a reaction, not a question.

"👍" after an answer is thanks, "🙏" is thanks (or please), "👋" says hello, "😡" or
"😭" says something went wrong; none of them is a question the SOP could answer,
and "I don't understand" or "tell me more details" would be the wrong tone. Skin
tones, variation selectors and joiners are ignored, so "👍🏽" is "👍".
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class Reaction(StrEnum):
    THANKS = "thanks"
    GREETING = "greeting"
    UPSET = "upset"
    OTHER = "other"


_THANKS = frozenset(
    "👍 🙏 👌 👏 🤝 ✅ ✔ ☑ 💯 🆗 ❤ ♥ 💕 💖 💗 💓 💞 💘 💝 💙 💚 💛 🧡 💜 🤍 🤎 🖤 😍 🥰 😘 😊 🙂 😀 😁 😃 😄 "
    "☺ 🤗 😇 🌹 🌷 💐 🌸 ⭐ 🌟 ✨ 🙌 🫶 🥳 🎉".split()
)
_GREETING = frozenset("👋 🙋 🖐 ✋".split())
_UPSET = frozenset(
    "😡 😠 🤬 😤 💢 👎 🖕 😾 😒 🙄 😢 😭 😞 😔 😟 ☹ 🙁 😩 😫 😣 😖 😿 💔 😰 😥".split()
)
# Joiners, variation selectors and skin-tone modifiers: parts of an emoji, not emoji of their own.
_PARTS = frozenset({"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}) | {chr(code) for code in range(0x1F3FB, 0x1F400)}


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or char in _PARTS


def emoji_only(text: str) -> bool:
    """Whether the message has at least one emoji and nothing else but spaces and punctuation."""
    found = False
    for char in text:
        if char.isspace() or unicodedata.category(char).startswith("P"):
            continue
        if not _is_emoji(char):
            return False
        found = found or char not in _PARTS
    return found


def reaction_of(text: str) -> Reaction | None:
    """What an emoji-only message says (None: the message has words or digits in it).

    One upset emoji outweighs the rest ("👍😡" is not thanks); then thanks, then hello.
    """
    if not emoji_only(text):
        return None
    symbols = {char for char in text if _is_emoji(char) and char not in _PARTS}
    if symbols & _UPSET:
        return Reaction.UPSET
    if symbols & _THANKS:
        return Reaction.THANKS
    if symbols & _GREETING:
        return Reaction.GREETING
    return Reaction.OTHER
