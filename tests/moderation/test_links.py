"""Links and invites: found with or without a scheme, judged against the chat's allowlist."""

from __future__ import annotations

import pytest

from bot.moderation.links import (
    AllowlistError,
    LinkAllowlist,
    find_links,
    normalise_allow_entry,
)


def hosts(text: str, marked: tuple[str, ...] = ()) -> list[str]:
    return [link.host for link in find_links(text, marked)]


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("cek https://tokopedia.com/toko/produk-1 ya", "tokopedia.com"),
        ("promo bit.ly/abc", "bit.ly"),
        ("lihat www.x.com", "www.x.com"),
        ("daftar di judi-online.xyz sekarang", "judi-online.xyz"),
        ("gabung t.me/+AbCdEf", "t.me"),
        ("Discord.gg/promo123", "discord.gg"),
        ("wa.me/6281234 ya", "wa.me"),
        ("(see https://example.org/x).", "example.org"),
        ("shopee.co.id/product/1", "shopee.co.id"),
    ],
)
def test_links_are_found_without_a_scheme_too(text: str, host: str) -> None:
    assert hosts(text) == [host]


@pytest.mark.parametrize(
    "text",
    [
        "jam 7.30 ketemu",
        "harga Rp 789.500",
        "oke.so gimana",
        "baca file.txt dan index.html",
        "e.g. this one",
        "email saya budi@gmail.com",
        "versi 1.2.3 sudah rilis",
        "",
    ],
)
def test_ordinary_text_is_not_a_link(text: str) -> None:
    assert hosts(text) == []


def test_evidence_is_the_link_as_typed() -> None:
    (link,) = find_links("klik bit.ly/abc.")
    assert link.url == "bit.ly/abc"
    assert link.span == (5, 15)


def test_marked_links_count_and_are_not_duplicated() -> None:
    links = find_links("klik di sini", ("https://evil.example/x",))
    assert [(link.host, link.span) for link in links] == [("evil.example", None)]
    assert len(find_links("https://a.com/x", ("https://a.com/x",))) == 1


@pytest.mark.parametrize(
    "url",
    [
        "t.me/joinchat/AbCd",
        "https://t.me/+AbCdEf",
        "telegram.me/joinchat/x",
        "discord.gg/abc",
        "https://discord.com/invite/abc",
        "discordapp.com/invite/abc",
        "chat.whatsapp.com/AbCdEf",
        "tg://join?invite=AbCd",
    ],
)
def test_invites_are_recognised(url: str) -> None:
    (link,) = find_links(f"join {url} now")
    assert link.invite


@pytest.mark.parametrize("url", ["t.me/ourchannel", "discord.com/channels/1/2", "wa.me/62812"])
def test_other_platform_links_are_not_invites(url: str) -> None:
    (link,) = find_links(url)
    assert not link.invite


def test_allowlist_covers_subdomains_not_lookalikes() -> None:
    allow = LinkAllowlist.parse(["example.com"])
    (sub,) = find_links("https://shop.example.com/a")
    (same,) = find_links("www.example.com")
    (other,) = find_links("example.com.evil.xyz/a")
    (suffix,) = find_links("notexample.com")
    assert allow.allows(sub) and allow.allows(same)
    assert not allow.allows(other) and not allow.allows(suffix)


def test_a_bare_domain_does_not_allow_invites() -> None:
    allow = LinkAllowlist.parse(["t.me"])
    (channel,) = find_links("t.me/ourchannel")
    (invite,) = find_links("t.me/+Spam123")
    assert allow.allows(channel)
    assert not allow.allows(invite)


def test_a_link_prefix_allows_that_invite_only() -> None:
    allow = LinkAllowlist.parse(["https://t.me/+OurGroup"])
    (ours,) = find_links("t.me/+OurGroup")
    (theirs,) = find_links("t.me/+TheirGroup")
    assert allow.allows(ours)
    assert not allow.allows(theirs)


def test_allow_entries_are_normalised() -> None:
    assert normalise_allow_entry("https://www.Example.com/") == ("example.com", "")
    assert normalise_allow_entry("*.example.com") == ("example.com", "")
    assert normalise_allow_entry("t.me/+Ab") == ("t.me", "/+Ab")


@pytest.mark.parametrize("entry", ["", "not a domain", "localhost", "http://", "..."])
def test_bad_allow_entries_are_refused(entry: str) -> None:
    with pytest.raises(AllowlistError, match="expected a domain"):
        normalise_allow_entry(entry)
