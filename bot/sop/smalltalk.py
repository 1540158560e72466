"""Greetings, thanks and goodbyes: messages that need a friendly word, not an SOP answer.

A message is small talk only when *all* of it is: every word belongs to a
small-talk phrase (`data/small_talk.txt`) or is a filler (forms of address,
particles, stopwords), and at least one real phrase is there. So "pagi kak",
"makasih min", "tq", "ok sip" and "thank you so much!" are small talk, while
"halo, cara refund gimana?" is a question that happens to start with a greeting.
"""

from __future__ import annotations

from bot.sop.analysis import Analyzer

GREETING = "greeting"
THANKS = "thanks"
GOODBYE = "goodbye"
_FILLER = "filler"
_LONGEST_PHRASE = 5
_MAX_WORDS = 12  # past this a message is telling or asking something

# Emoji-only messages: a thumbs-up after an answer is thanks, a wave is a greeting.
_EMOJI_KINDS = {
    "\U0001f44d": THANKS,  # thumbs up
    "\U0001f64f": THANKS,  # folded hands
    "\U0001f44c": THANKS,  # ok hand
    "\U0001f60a": THANKS,  # smiling face with smiling eyes
    "\U0001f642": THANKS,  # slightly smiling face
    "\U0001f601": THANKS,
    "\U0001f600": THANKS,
    "\U0001f970": THANKS,
    "\u2764": THANKS,  # heart
    "\u2705": THANKS,  # check mark
    "\U0001f91d": THANKS,  # handshake
    "\U0001f44b": GREETING,  # waving hand
}
_PRIORITY = (GOODBYE, THANKS, GREETING)  # "thanks, bye" ends the conversation


def small_talk_kind(text: str, analyzer: Analyzer) -> str | None:
    """ "greeting", "thanks" or "goodbye" when the whole message is small talk, else None."""
    words = analyzer.standard_words(text)
    if not words:
        return _emoji_kind(text)
    if len(words) > _MAX_WORDS:
        return None
    phrases = analyzer.lexicon.small_talk
    stopwords = analyzer.lexicon.stopwords
    kinds: set[str] = set()
    position = 0
    while position < len(words):
        for length in range(min(_LONGEST_PHRASE, len(words) - position), 0, -1):
            kind = phrases.get(tuple(words[position : position + length]))
            if kind is not None:
                kinds.add(kind)
                position += length
                break
        else:
            if words[position] not in stopwords:
                return None
            position += 1
    for kind in _PRIORITY:
        if kind in kinds:
            return kind
    return None


def _emoji_kind(text: str) -> str | None:
    for char in text:
        kind = _EMOJI_KINDS.get(char)
        if kind is not None:
            return kind
    return None
