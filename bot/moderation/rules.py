"""The moderation rules: each a pure function `(message, ctx) -> Violation | None`.

`RULES` lists them, in the order they are tried; reading that tuple tells everything
that can flag a message. A rule checks its own settings (enabled, thresholds) and
never acts: `evaluate` turns violations into a verdict with the policy's action.

`RuleContext` carries what a rule may look at besides the message: the chat's
compiled policy (word filter and link allowlist built once per settings change),
the sender's recent activity (a snapshot from an `ActivityRecorder` that includes
the message being judged), when the sender joined, and the current time.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from bot.events import Message
from bot.moderation.activity import NO_ACTIVITY, RecentActivity
from bot.moderation.durations import format_duration
from bot.moderation.links import FoundLink, LinkAllowlist, find_links
from bot.moderation.policy import ModerationPolicy
from bot.moderation.terms import CATEGORIES, WordList, load_default_wordlists
from bot.moderation.wordfilter import WordFilter, WordHit

Rule = Callable[[Message, "RuleContext"], "Violation | None"]


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A policy with its word filter and link allowlist built, ready for many messages."""

    policy: ModerationPolicy
    words: WordFilter
    links: LinkAllowlist
    active_rules: tuple[Rule, ...] = ()  # the rules of RULES this policy switches on

    @classmethod
    def build(cls, policy: ModerationPolicy, defaults: WordList | None = None) -> CompiledPolicy:
        """Compile `policy` against the default lists (the shipped ones when None)."""
        words = policy.words
        word_filter = WordFilter.build(
            defaults if defaults is not None else load_default_wordlists(),
            add=words.add,
            remove=words.remove,
            allow=words.allow,
            categories=words.categories,
        )
        return cls(
            policy, word_filter, LinkAllowlist.parse(policy.links.allow), active_rules(policy)
        )


class PolicyCompiler:
    """Builds `CompiledPolicy` objects and keeps the most recent ones.

    Chats with the same word settings share one filter. Owned by the shell (one per
    process); there is no module-level cache.
    """

    def __init__(self, defaults: WordList | None = None, max_filters: int = 256) -> None:
        self._defaults = defaults if defaults is not None else load_default_wordlists()
        self._max_filters = max_filters
        self._filters: OrderedDict[object, WordFilter] = OrderedDict()

    def compile(self, policy: ModerationPolicy) -> CompiledPolicy:
        words = policy.words
        key = (words.categories, words.add, words.remove, words.allow)
        word_filter = self._filters.get(key)
        if word_filter is None:
            word_filter = WordFilter.build(
                self._defaults, add=words.add, remove=words.remove, allow=words.allow,
                categories=words.categories,
            )  # fmt: skip
            self._filters[key] = word_filter
            if len(self._filters) > self._max_filters:
                self._filters.popitem(last=False)
        else:
            self._filters.move_to_end(key)
        return CompiledPolicy(
            policy, word_filter, LinkAllowlist.parse(policy.links.allow), active_rules(policy)
        )


class RuleContext(NamedTuple):
    """What rules may consult besides the message itself.

    `recent` must include the message being judged (see `activity`). A named tuple rather
    than a dataclass: one is built for every message, and this is the cheapest to build.
    Rules read `ctx.compiled.policy` (plain attribute access) rather than the `policy`
    property, which costs a Python call on every message.
    """

    compiled: CompiledPolicy
    now: datetime
    recent: RecentActivity = NO_ACTIVITY
    joined_at: datetime | None = None

    @property
    def policy(self) -> ModerationPolicy:
        return self.compiled.policy


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule's finding: which rule, why (a catalogue key and its parameters), and the
    offending fragment (`evidence`, at `span` in the message text when it is there)."""

    rule: str
    reason_key: str
    reason_params: Mapping[str, str] = field(default_factory=dict)
    evidence: str = ""
    span: tuple[int, int] | None = None


_CATEGORY_RANK = {name: rank for rank, name in enumerate(CATEGORIES)}


def banned_words(message: Message, ctx: RuleContext) -> Violation | None:
    """A listed word, phrase or its disguise (`4nj1ng`, `a.n.j.i.n.g`, `anjiiing`)."""
    if not message.text or not ctx.compiled.policy.words.enabled:
        return None
    hits = ctx.compiled.words.match(message.text)
    if not hits:
        return None
    worst: WordHit = max(hits, key=lambda hit: _CATEGORY_RANK.get(hit.category, 1))
    return Violation(
        "words",
        f"reason.words.{worst.category if worst.category in _CATEGORY_RANK else 'custom'}",
        {"term": worst.term, "category": worst.category},
        worst.fragment,
        worst.span,
    )


def _links(message: Message) -> list[FoundLink]:
    return find_links(message.text, message.links)


def invite_links(message: Message, ctx: RuleContext) -> Violation | None:
    """An invite into another Telegram group, Discord server or WhatsApp group."""
    if not ctx.compiled.policy.invites.enabled:
        return None
    for link in _links(message):
        if link.invite and not ctx.compiled.links.allows(link):
            return _link_violation("invites", "reason.invites", link)
    return None


def outside_links(message: Message, ctx: RuleContext) -> Violation | None:
    """Any link to a domain that is not on the chat's allowlist."""
    if not ctx.compiled.policy.links.enabled:
        return None
    for link in _links(message):
        if not ctx.compiled.links.allows(link):
            return _link_violation("links", "reason.links", link)
    return None


def newcomer_links(message: Message, ctx: RuleContext) -> Violation | None:
    """A link (outside the allowlist) from someone who joined less than `within` ago."""
    settings = ctx.compiled.policy.newcomer_links
    if not settings.enabled or ctx.joined_at is None:
        return None
    if ctx.now - ctx.joined_at >= settings.within:
        return None
    for link in _links(message):
        if not ctx.compiled.links.allows(link):
            return _link_violation("newcomer_links", "reason.newcomer_links", link,
                                   within=format_duration(settings.within))  # fmt: skip
    return None


def _link_violation(rule: str, key: str, link: FoundLink, **params: str) -> Violation:
    return Violation(rule, key, {"host": link.host, **params}, link.url, link.span)


_TEXT_MENTION_RE = re.compile(r"(?<![\w@])@\w{3,32}")


def mention_spam(message: Message, ctx: RuleContext) -> Violation | None:
    """Many people pinged at once: the platform's mentions, or @names in the text."""
    settings = ctx.compiled.policy.mentions
    if not settings.enabled:
        return None
    count = len(message.mentions)
    if count < settings.count and message.text.count("@") >= settings.count:
        count = max(count, len(_TEXT_MENTION_RE.findall(message.text)))
    if count < settings.count:
        return None
    params = {"count": str(count), "limit": str(settings.count)}
    return Violation("mentions", "reason.mentions", params, message.text[:200])


def flood(message: Message, ctx: RuleContext) -> Violation | None:
    """Too many messages from one sender in a short window (the current one included)."""
    settings = ctx.compiled.policy.flood
    if not settings.enabled or len(ctx.recent.timestamps) < settings.count:
        return None
    count = ctx.recent.count_since(ctx.now - settings.window)
    if count < settings.count:
        return None
    return Violation("flood", "reason.flood",
                     {"count": str(count), "window": format_duration(settings.window)})  # fmt: skip


def repeated_messages(message: Message, ctx: RuleContext) -> Violation | None:
    """The same text again and again; compared by `text_fingerprint`, so case, spacing,
    punctuation and stretched letters do not make a copy look new."""
    settings = ctx.compiled.policy.repeat
    if not settings.enabled or len(ctx.recent.fingerprints) < settings.count:
        return None
    fingerprint = ctx.recent.current_fingerprint
    if not fingerprint or ctx.recent.fingerprints.count(fingerprint) < settings.count:
        return None
    count = ctx.recent.repeats_since(fingerprint, ctx.now - settings.window)
    if count < settings.count:
        return None
    return Violation("repeat", "reason.repeat",
                     {"count": str(count), "window": format_duration(settings.window)},
                     message.text[:200])  # fmt: skip


# The path-like alternative starts only where a word starts, so a long word is read once.
_NOT_SHOUTING_RE = re.compile(r"(?:https?://|www\.)\S+|(?<!\w)[@#]\w+|(?<!\S)\S+?\.\w{2,}/\S*")


def shouting(message: Message, ctx: RuleContext) -> Violation | None:
    """Mostly capital letters in a message long enough to judge; links, @mentions and
    #tags do not count, nor do emoji, digits or punctuation (they are not letters)."""
    settings = ctx.compiled.policy.caps
    text = message.text
    if not settings.enabled or len(text) < settings.min_letters:
        return None
    if sum(map(str.isupper, text)) < settings.min_letters * settings.ratio:
        return None  # cheap early exit: too few capitals to ever reach the ratio
    text = _NOT_SHOUTING_RE.sub(" ", text)
    upper = sum(map(str.isupper, text))
    letters = upper + sum(map(str.islower, text))
    if letters < settings.min_letters or upper < settings.ratio * letters:
        return None
    return Violation("caps", "reason.caps", {"percent": str(round(100 * upper / letters))},
                     message.text[:200])  # fmt: skip


def active_rules(policy: ModerationPolicy) -> tuple[Rule, ...]:
    """The rules of `RULES` that `policy` switches on, in the same order."""
    return tuple(rule for rule in RULES if getattr(policy, RULE_SETTINGS[rule.__name__]).enabled)


RULES: tuple[Rule, ...] = (
    banned_words,
    invite_links,
    outside_links,
    newcomer_links,
    mention_spam,
    flood,
    repeated_messages,
    shouting,
)
"""Every rule, in the order they are tried; ties in severity go to the earlier one."""

RULE_SETTINGS: dict[str, str] = {
    "banned_words": "words",
    "invite_links": "invites",
    "outside_links": "links",
    "newcomer_links": "newcomer_links",
    "mention_spam": "mentions",
    "flood": "flood",
    "repeated_messages": "repeat",
    "shouting": "caps",
}
"""Which policy section switches each rule function on (and names its violations)."""
