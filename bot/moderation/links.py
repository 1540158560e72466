"""Finding links in messages, telling invites apart, and the per-chat allowlist.

Spammers rarely type `https://`: `bit.ly/abc`, `www.x.com` and `t.me/+AbC` are links
too. A bare `name.tld` counts as a link when the TLD is one that is not also an
everyday word or abbreviation, or when a path follows (`t.me/x`, `wa.me/62812`);
so `oke.so` or `jam 7.30` do not count but `promo.xyz` does. Links the platform
marked up (hidden text links) arrive in `Message.links` and are judged the same way.

Invites are links that pull members into another group: Telegram `t.me/joinchat/…`
and `t.me/+…`, Discord `discord.gg/…` and `discord.com/invite/…`, WhatsApp
`chat.whatsapp.com/…`, and `tg://join?invite=…`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# TLDs that are not everyday words: a bare `name.tld` with one of these is a link.
_STRONG_TLDS = (
    "com net org id io xyz info biz app dev site online top club shop store link click live "
    "tk ml ga cf gq ru cn gg ly vip icu buzz cyou sbs cfd monster fun space website tech asia "
    "pro gov edu uk sg us ph th vn jp kr hk tw au nz de fr nl es br mx ca eu ch se pl tr ir sa "
    "ae pk bd ng za ke gl fm ai gd ink zone world today news blog page network cloud digital "
    "email money cash finance loan trade market host press works best games bid review date "
    "download racing stream party science cam rocks life uno bar homes quest beauty skin wtf "
    "lol bet casino poker porn sex xxx tv cc ws pw su mobi tel"
).split()
# TLDs that double as words ("oke.so", "ya.in", "ok.me"): a link only with a path.
_WEAK_TLDS = (
    "co me to so in is it at be am no my go la li im st sh fi dk cz win one run fit".split()
)

_HOST = r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
_URL_RE = re.compile(
    r"(?<![\w@./-])(?:"
    r"(?:https?|ftp|tg)://[^\s<>\"']+"  # with a scheme
    r"|www\.[^\s<>\"']+"  # www.
    rf"|{_HOST}(?:{'|'.join(_STRONG_TLDS)})(?![\w-])(?::\d{{1,5}})?(?:/[^\s<>\"']*)?"
    rf"|{_HOST}(?:{'|'.join(_WEAK_TLDS)}):?\d{{0,5}}/[^\s<>\"']+"
    r")",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?)]}'\"\u00bb\u201d\u2019"  # closing quotes too

_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
_DISCORD_INVITE_HOSTS = frozenset({"discord.gg", "discord.io", "dsc.gg"})
_DISCORD_HOSTS = frozenset(
    {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
)
_WHATSAPP_INVITE_HOSTS = frozenset({"chat.whatsapp.com"})


@dataclass(frozen=True, slots=True)
class FoundLink:
    """A link in a message. `span` is where it is in the text (None: from `Message.links`)."""

    url: str
    host: str
    path: str
    invite: bool
    span: tuple[int, int] | None = None


def find_links(text: str, marked: Sequence[str] = ()) -> list[FoundLink]:
    """Links typed in `text` plus those the platform marked up, without duplicates."""
    found: list[FoundLink] = []
    seen: set[str] = set()
    if text and _may_contain_link(text):
        for match in _URL_RE.finditer(text):
            url = match.group().rstrip(_TRAILING_PUNCT)
            link = _parse(url, (match.start(), match.start() + len(url)))
            if link is not None and link.url not in seen:
                seen.add(link.url)
                found.append(link)
    for url in marked:
        link = _parse(url.strip(), None)
        if link is not None and link.url not in seen:
            seen.add(link.url)
            found.append(link)
    return found


def _may_contain_link(text: str) -> bool:
    """Cheap test before the regular expression: every link has a dot followed by a letter
    (`t.me`, `www.`, `.com`) or a scheme; most chat messages have neither."""
    if "://" in text:
        return True
    dot = text.find(".")
    while dot != -1:
        if dot + 1 < len(text) and text[dot + 1].isalpha():
            return True
        dot = text.find(".", dot + 1)
    return False


def _parse(url: str, span: tuple[int, int] | None) -> FoundLink | None:
    if not url:
        return None
    lowered = url.lower()
    if lowered.startswith("tg://"):
        invite = lowered.startswith("tg://join")
        return FoundLink(url, "tg", url[5:], invite, span)
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if not host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return FoundLink(url, host, path, is_invite(host, path), span)


def is_invite(host: str, path: str) -> bool:
    """Whether `host` + `path` is an invite into another group or server."""
    host = host.lower().removeprefix("www.")
    path = unquote(path)
    if host in _TELEGRAM_HOSTS:
        return path.startswith(("/joinchat", "/+", "/ +"))
    if host in _DISCORD_INVITE_HOSTS:
        return len(path.strip("/")) > 0
    if host in _DISCORD_HOSTS:
        return path.startswith("/invite/")
    if host in _WHATSAPP_INVITE_HOSTS:
        return len(path.strip("/")) > 0
    return False


class AllowlistError(ValueError):
    """An allowlist entry that is not a domain or link."""


@dataclass(frozen=True, slots=True)
class LinkAllowlist:
    """Domains (subdomains included) and link prefixes a chat accepts.

    `example.com` allows `example.com` and `shop.example.com`, for plain links only;
    an entry with a path (`t.me/+OurGroup`, `discord.gg/ourserver`) allows links that
    start with it, invites included. A bare domain never opens the door to invites:
    allowing `t.me` for channel links does not allow every `t.me/+…` invite.
    """

    domains: frozenset[str] = frozenset()
    prefixes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> LinkAllowlist:
        domains: set[str] = set()
        prefixes: list[tuple[str, str]] = []
        for entry in entries:
            host, path = normalise_allow_entry(entry)
            if path:
                prefixes.append((host, path))
            else:
                domains.add(host)
        return cls(frozenset(domains), tuple(prefixes))

    def allows(self, link: FoundLink) -> bool:
        host = link.host.lower().removeprefix("www.")
        for prefix_host, prefix_path in self.prefixes:
            if host == prefix_host and link.path.startswith(prefix_path):
                return True
        if link.invite:
            return False
        if not self.domains:
            return False
        labels = host.split(".")
        return any(".".join(labels[i:]) in self.domains for i in range(len(labels) - 1))


_ENTRY_HOST_RE = re.compile(r"^(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$")


def normalise_allow_entry(entry: str) -> tuple[str, str]:
    """`"https://www.Example.com/"` → `("example.com", "")`; `"t.me/+Ab"` → `("t.me", "/+Ab")`.

    Raises AllowlistError when the entry is not a domain or link.
    """
    text = entry.strip().removeprefix("*.")
    if not text:
        raise AllowlistError("expected a domain such as example.com, got nothing")
    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        host = (parts.hostname or "").rstrip(".").removeprefix("www.")
    except ValueError:
        host, parts = "", None
    if parts is None or not _ENTRY_HOST_RE.match(host):
        raise AllowlistError(f"expected a domain such as example.com or t.me/name, got {entry!r}")
    path = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    return host, path
