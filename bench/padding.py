"""Wrap test messages in the filler real customers write around their question.

    python -m bench.padding "ongkir ke bandung berapa?" --seed 3     # one message, padded

Held-out sets are written as questions; customers write "selamat malam kak, maaf
ganggu, saya Budi dari Bekasi. kemarin adik saya pesan buat kado ultah. ongkir ke
bandung berapa? makasih ya kak 🙏". `pad` adds, each with its own chance, a polite
opener, a self-introduction, a short story (names, places and things no SOP
mentions), a closer and emoji, seeded per message so a report is repeatable and
the plain and padded figures compare the same messages. The filler never names a
company of `bot/sop/data/brands.txt` (that rule refuses answers on purpose) and
never asks anything itself: the question stays the customer's only request.
`bench.calibrate --pad` reports every part plain and padded.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass

NAMES = ("Budi", "Rina", "Sulastri", "Agus", "Dewi", "Yanto", "Fitri", "Hendra", "Wulan", "Joko")
PLACES = ("Bekasi", "Sidoarjo", "Cibinong", "Makassar", "Pekanbaru", "Tegal", "Bantul", "Kupang", "Garut", "Jatiasih")
ENGLISH_NAMES = ("John", "Priya", "Tom", "Maria", "Ahmed", "Chloe", "Liam", "Sofia")
ENGLISH_PLACES = ("Leeds", "Bristol", "Dundee", "Perth", "Auckland", "Leicester", "Galway", "Cardiff")


@dataclass(frozen=True, slots=True)
class Filler:
    """One language's filler; `{name}` and `{place}` are filled in per message."""

    openers: tuple[str, ...]
    intros: tuple[str, ...]
    stories: tuple[str, ...]
    closers: tuple[str, ...]
    emoji: tuple[str, ...]


INDONESIAN = Filler(
    openers=(
        "selamat malam kak, maaf ganggu", "halo kak", "permisi min", "pagi kak, mau nanya",
        "assalamualaikum kak", "siang min, maaf mengganggu waktunya", "halo admin, mohon bantuannya",
        "kak numpang tanya ya", "sore kak", "maaf sebelumnya kak",
    ),
    intros=(
        "saya {name} dari {place}", "aku {name} di {place}", "nama saya {name}", "sy {name} dr {place}",
        "perkenalkan saya {name} dari {place}",
    ),
    stories=(
        "kemarin adik saya {name} yang nyuruh nanya", "ini buat kado ulang tahun ibu saya",
        "saya lagi di rumah mertua di {place}", "barusan pulang kerja dari {place}",
        "temen saya {name} katanya pernah juga", "anak saya lagi sekolah di {place}",
        "saya udah cari cari tapi masih bingung", "ini pertama kali saya di sini",
    ),
    closers=(
        "makasih ya kak", "terima kasih banyak", "ditunggu balasannya kak", "thx min",
        "makasih sebelumnya", "semoga sehat selalu kak", "tengkyu kak",
    ),
    emoji=("🙏", "😊", "🙏🙏", "😅", "🥺"),
)

ENGLISH = Filler(
    openers=(
        "hi there, sorry to bother you", "hello", "good evening", "hey, quick question",
        "hi, hope you are well", "good morning team",
    ),
    intros=("I'm {name} from {place}", "my name is {name}", "this is {name} in {place}"),
    stories=(
        "my brother {name} told me to ask", "I'm staying with my parents in {place} this week",
        "I just got back from work in {place}", "it's my first time writing here",
        "my friend {name} had the same thing",
    ),
    closers=("thanks a lot", "thank you so much", "cheers", "thanks in advance", "many thanks"),
    emoji=("🙏", "😊", "🙂"),
)

# chance of each piece: most customers greet, many thank, fewer introduce themselves or tell a story
CHANCES = {"opener": 0.8, "intro": 0.4, "story": 0.5, "closer": 0.6, "emoji": 0.4}


def pad(text: str, *, seed: int = 0, language: str = "id") -> str:
    """`text` wrapped in seeded filler of `language` ("id" or "en"); at least an opener
    or a closer is always added, so every padded message differs from its plain one."""
    rng = random.Random(f"{seed}:{text}")
    filler = ENGLISH if language == "en" else INDONESIAN
    names, places = (ENGLISH_NAMES, ENGLISH_PLACES) if language == "en" else (NAMES, PLACES)

    def fill(template: str) -> str:
        return template.format(name=rng.choice(names), place=rng.choice(places))

    drawn = {piece: rng.random() < chance for piece, chance in CHANCES.items()}
    if not drawn["opener"] and not drawn["closer"]:
        drawn["opener"] = True
    before = []
    if drawn["opener"]:
        before.append(fill(rng.choice(filler.openers)))
    if drawn["intro"]:
        before.append(fill(rng.choice(filler.intros)))
    if drawn["story"]:
        before.append(fill(rng.choice(filler.stories)))
    question = text.strip()
    parts = [", ".join(before) + "." if before else "", question]
    if drawn["closer"]:
        closer = fill(rng.choice(filler.closers))
        parts.append(closer + (" " + rng.choice(filler.emoji) if drawn["emoji"] else ""))
    elif drawn["emoji"]:
        parts[-1] += " " + rng.choice(filler.emoji)
    return " ".join(part for part in parts if part)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("text")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--language", choices=("id", "en"), default="id")
    args = parser.parse_args(argv)
    print(pad(args.text, seed=args.seed, language=args.language))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
