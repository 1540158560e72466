"""Normalisation: the fast path reads plain messages exactly as the full path does."""

from __future__ import annotations

import random

import pytest

from bot.moderation.normalise import (
    fast_readings,
    full_readings,
    full_readings_tracked,
    normalise_term,
    spelled_out,
    spelled_runs,
    text_fingerprint,
)

SAMPLES = [
    "halo kak pesanan saya kok belum sampai ya? makasih banyak 🙏",
    "@budi min saya udah transfer Rp 789.500 tapi status masih menunggu",
    "I'm a customer, don't you know? e.g. t.me/abc and bit.ly/x1",
    "harga 455 ribu!!! b4ngs4t $100 a$$ sh!t |ol",
    "anak-anak anjing-anjing kontol_nya f*ck ok.ok",
    "❤️❤️ mantap!! 🔥 👍🏽 keren ✨",
    "siaaaap kak mantappp 4nj1iiing",
    "",
    "   ",
    "?!",
    "ongkir ke bandung berapa kak?",
    "Siap kak!!",
    "oke.",
    "a$$",
]


def _random_text(rng: random.Random) -> str:
    alphabet = "aaaeiioun jkstgl AJX 01345679 .-_*'`@$!|?,/~+# " + "🙏🔥❤️👍🏽✨★•"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


CASES = SAMPLES + [_random_text(random.Random(seed)) for seed in range(400)]


@pytest.mark.parametrize("text", CASES)
def test_fast_path_agrees_with_full_path(text: str) -> None:
    fast = fast_readings(text)
    assert fast is not None  # ASCII and emoji only: always eligible
    readings, plain_length = fast
    reading_a = readings[1 : plain_length - 1]
    if spelled_out(reading_a):
        return  # the filter sends these to the full path
    collapsed = fast_readings(text, collapse_runs=True)
    assert collapsed is not None
    assert collapsed[0] == full_readings(text)
    if collapsed[0] == readings:  # nothing to collapse: the first answer was already right
        assert readings == full_readings(text)


@pytest.mark.parametrize("text", CASES)
def test_tracked_path_gives_the_same_text(text: str) -> None:
    assert full_readings_tracked(text).text == full_readings(text)


def test_non_ascii_letters_need_the_full_path() -> None:
    assert fast_readings("аnjing") is None  # Cyrillic а
    assert fast_readings("an\u200bjing") is None
    assert fast_readings("café") is None
    assert fast_readings("mantap 🔥") is not None


def test_numbers_stay_numbers() -> None:
    assert full_readings("harga 455 ribu") == " harga 455 ribu "
    assert full_readings("a55 b4bi") == " ass babi "


def test_ambiguous_one_is_kept_for_the_filter() -> None:
    assert full_readings("t0l0l to1o1") == " tolol to1o1 "


def test_terms_are_normalised_like_text() -> None:
    assert normalise_term("  Anak   HARAM ") == "anak haram"
    assert normalise_term("b4b1") == "bab1"
    assert normalise_term("a n j i n g") == "anjing"


def test_fingerprint_ignores_case_spacing_and_punctuation() -> None:
    assert text_fingerprint("Promo MURAH!! cek sekarang") == text_fingerprint(
        "promo murah cek sekarang"
    )
    assert text_fingerprint("promo murah") != text_fingerprint("promo mahal")
    assert text_fingerprint("Ok") == ""
    assert text_fingerprint("🔥🔥🔥") == text_fingerprint("🔥🔥🔥")
    assert text_fingerprint("🔥🔥🔥") != ""
    assert text_fingerprint("Café au lait") == text_fingerprint("CAFÉ AU LAIT!")


# --- the disguises of issue #13 point 2, as the readings show them -----------------------


def test_greek_capitals_read_by_their_shape_not_their_lower_case() -> None:
    assert full_readings("ΑΝJΙΝG ΜΟΝΥΕΤ SΗΙΤ") == " anjing monyet shit "  # not "avjivg"
    assert full_readings("ανjινg") == " avjivg "  # small nu is a v: only capitals change


def test_six_is_g_and_plus_is_t_inside_words() -> None:
    assert full_readings("6oblok") == " goblok "
    assert "bangsat" in full_readings("b4ngs4+").split()
    assert "tolol" in full_readings("+0l0l").split()
    assert "kontol" in full_readings("k0n+0l").split()
    assert "t" not in full_readings("+62 812, $100, 1+1 = 2")  # numbers stay numbers


def test_emoji_and_tilde_inside_a_word_join_it() -> None:
    assert "anjing" in full_readings("anj🔥ing").split()
    assert "anjing" in full_readings("anj~ing").split()
    readings = full_readings("gr🔥epe-gr🔥epe")
    assert "grepe grepe" in readings  # a hyphen still separates the doubled word


def test_a_star_inside_or_ending_a_word_stands_for_a_letter() -> None:
    assert "anjXng" in full_readings("anj*ng").split()
    assert "fXXk" in full_readings("f**k").split()
    assert "asX" in full_readings("as*").split()
    assert "X" not in full_readings("*penting* rapat")  # markdown bold is not a letter


def test_mixed_separators_join_in_their_own_reading() -> None:
    assert full_readings("a.n-j_i n g").split(" | ")[-1].strip() == "anjing"
    assert spelled_runs("son of a b.i-t_c h, ok") == ["abitch"]
    assert spelled_runs("a.n.j.i.n.g b.a.b.i") == ["anjingbabi"]
    assert spelled_runs("halo semua") == []


@pytest.mark.parametrize(
    "text",
    ["$" * 100_000, "$" * 100_000 + "a", "+" * 100_000 + "a", "ab" + "*" * 100_000,
     "a*" * 50_000, "a~" * 50_000, "a🔥" * 50_000, "a.b-" * 25_000 + "zz"],
)  # fmt: skip
def test_runs_of_joiners_are_read_once(text: str) -> None:
    """Each would take minutes if a pattern re-read the run from every position."""
    assert full_readings_tracked(text).text == full_readings(text)
    fast = fast_readings(text, collapse_runs=True)
    assert fast is not None and fast[1] > 0


def test_possessive_runs_stay_linear_on_hostile_words() -> None:
    word = "a" * 50_000 + "+"
    assert full_readings(word).endswith("aat ")
    assert full_readings("4" * 50_000 + "+") == f" {'4' * 50_000} "
