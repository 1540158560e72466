"""Generate a realistic mixed Indonesian/English group-chat message file for benchmarks.

    python -m bench.make_chat_corpus --out data/bench/chat.txt --lines 200000 --seed 1

One message per line (newlines inside a message become spaces). The mix imitates a
customer community on Telegram/Discord: short Indonesian chat with slang and emoji,
questions about orders, English lines, prices and times, links (shops, short links,
a few invites), @mentions (a few mention storms), shouting, about 4% swearing (some
disguised: 4nj1ng, a.n.j.i.n.g, anjiiing), innocent near-misses (pantai, tolong,
asuransi, class, assistant), some long messages and a few empty lines. Written under
data/, which git ignores: the file is generated, never committed.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

GREETINGS = [
    "pagi kak", "halo min", "selamat siang semua", "assalamualaikum", "Ass wr wb",
    "permisi kak", "hi all", "good morning guys", "malam gan", "halo admin", "misi kak",
    "hai kak, mau tanya", "sore semuanya", "hello everyone",
]  # fmt: skip
QUESTIONS_ID = [
    "pesanan saya kok belum sampai ya?", "ongkir ke {city} berapa kak?",
    "cara refund gimana min?", "barangnya ready gak?", "bisa COD ke {city}?",
    "kapan restock {product} kak?", "promo {product} masih ada?", "ini resi nya kok gak update",
    "min saya udah transfer {price} tapi status masih menunggu pembayaran",
    "kak ukuran L masih ada?", "ada diskon buat member?", "jam buka toko jam berapa ya?",
    "kalo mau tukar size bisa ga?", "paketnya udah sampe {city} tapi belum dianter",
    "gimana cara ganti alamat pengiriman?", "akun saya ke blokir, tolong dibantu dong",
    "voucher nya kok gak bisa dipake ya", "kak garansinya berapa lama?",
    "saya mau klaim asuransi pengiriman gimana caranya", "invoice {order} belum masuk email",
]  # fmt: skip
QUESTIONS_EN = [
    "is the store open today?", "anyone know how to track my order?",
    "how long is shipping to {city}?", "does {product} come with a warranty?",
    "can I pay with credit card?", "my order {order} is late",
    "where can I find the return policy?", "is there a class for beginners?",
    "who is the assistant on duty today?", "does anyone have the link to the webinar?",
]  # fmt: skip
CHATTER = [
    "oke siap", "makasih banyak kak", "wkwkwk", "wkwk", "mantap gan", "sama kak", "iya bener",
    "gw juga gitu", "udah kak", "nah itu dia", "santai aja bro", "hahaha", "sip", "noted kak",
    "lol", "same here", "thanks!", "nice", "ok", "otw", "bentar ya", "gpp kok", "asiap",
    "anjir keren banget", "btw kemarin ke pantai seru banget", "tolong dong kak dibantu",
    "lagi santai di rumah", "beli petai di pasar", "ada yang mau ikut kelas? class nya seru",
    "Essex sama Scunthorpe jauh gak sih", "mau cocktail di bar", "cocok banget sama kamu",
    "kemarin nonton film pocong", "pass dulu deh", "therapist ku bilang harus istirahat",
    "anjingnya lucu banget", "anak anjing tetangga gemes", "tai lalat di pipi",
    "asuransi mobil mahal ya", "tolong bantu share ya", "kaka makasih 🙏", "mantul 👍",
    "beneran? 😂😂", "gas lah", "gak ngerti deh", "ok noted, thanks", "sabar ya semua",
    "kalau gitu besok aja", "siap 86", "dah sampe kak, aman", "ini gimana ya min",
]  # fmt: skip
SWEARS = [
    "anjing lu", "dasar goblok", "tolol banget sih", "bangsat", "kontol", "anjg lama banget",
    "bego lu", "jancok", "asu tenan", "what the fuck", "this is bullshit", "fucking slow service",
    "shit", "ngentot", "brengsek lo", "bajingan", "memek", "you idiot", "goblok bgt adminnya",
    "kampret", "sialan", "wtf", "damn it",
]  # fmt: skip
DISGUISES = [
    "4nj1ng", "a.n.j.i.n.g", "a n j i n g", "anjiiiing", "g0bl0k", "t0l0l", "b4ngs4t",
    "k0nt0l", "f*ck", "fuuuuck", "sh!t", "a$$hole", "\u0430njing", "an\u200bjing", "ANJING",
    "b-a-n-g-s-a-t", "goblokkk", "t o l o l",
]  # fmt: skip
CITIES = ["bandung", "surabaya", "medan", "makassar", "jogja", "bali", "jakarta", "malang",
          "semarang", "palembang", "Singapore", "KL"]  # fmt: skip
PRODUCTS = ["sepatu", "kaos", "hoodie", "tas", "headset", "keyboard", "skincare", "serum",
            "powerbank", "jaket", "voucher game", "paket data"]  # fmt: skip
LINKS = [
    "https://tokopedia.com/toko/produk-{n}", "shopee.co.id/product/{n}", "bit.ly/promo{n}",
    "https://www.youtube.com/watch?v=abc{n}", "www.example.com/info",
    "cek di instagram.com/toko{n}",
    "https://s.id/diskon{n}", "wa.me/62812{n}",
]  # fmt: skip
INVITES = ["t.me/+AbCd{n}EfGh", "https://t.me/joinchat/XyZ{n}", "discord.gg/promo{n}",
           "chat.whatsapp.com/Inv{n}ite", "gabung grup kita t.me/+Grup{n}"]  # fmt: skip
EMOJI = ["😂", "🙏", "👍", "🔥", "😭", "🤣", "❤️", "😅", "🥲", "✨", "💯", "🙂"]
LONG_FILLER = (
    "jadi gini kak ceritanya, kemarin saya pesan {product} terus katanya dikirim hari "
    "senin tapi sampai sekarang belum ada kabar, saya sudah chat CS tapi belum dibalas, "
    "mohon dibantu ya kak karena barangnya mau dipakai buat acara di {city} minggu depan. "
)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        city=rng.choice(CITIES), product=rng.choice(PRODUCTS),
        price=f"Rp {rng.randint(10, 999)}.{rng.choice(['000', '500'])}",
        order=f"INV/2026/{rng.randint(10000, 99999)}", n=rng.randint(100, 99999),
    )  # fmt: skip


def make_message(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.005:
        return ""
    if roll < 0.03:
        parts = [_fill(rng.choice(QUESTIONS_ID), rng).upper()]  # shouting
    elif roll < 0.07:
        swear = rng.choice(SWEARS if rng.random() < 0.7 else DISGUISES)
        parts = (
            [swear]
            if rng.random() < 0.5
            else [_fill(rng.choice(CHATTER + QUESTIONS_ID), rng), swear]
        )
    elif roll < 0.10:
        parts = [rng.choice(CHATTER), _fill(rng.choice(LINKS), rng)]
    elif roll < 0.105:
        parts = [_fill(rng.choice(INVITES), rng)]
    elif roll < 0.108:
        parts = [
            " ".join(f"@user{rng.randint(1, 999)}" for _ in range(rng.randint(5, 12))),
            "cek promo",
        ]
    elif roll < 0.16:
        parts = [
            f"@{rng.choice(['budi', 'sinta', 'admin', 'rina_cs', 'joko99'])}",
            _fill(rng.choice(QUESTIONS_ID), rng),
        ]
    elif roll < 0.17:
        parts = [_fill(LONG_FILLER, rng) * rng.randint(1, 4)]
    elif roll < 0.1705:
        parts = [_fill(LONG_FILLER, rng) * 30]
    elif roll < 0.35:
        parts = [rng.choice(GREETINGS), _fill(rng.choice(QUESTIONS_ID + QUESTIONS_EN), rng)]
    elif roll < 0.55:
        parts = [_fill(rng.choice(QUESTIONS_ID + QUESTIONS_EN), rng)]
    else:
        parts = [rng.choice(CHATTER) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
    text = " ".join(parts)
    if rng.random() < 0.15:
        text += " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.1:
        text = text.capitalize()
    return text.replace("\n", " ")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/bench/chat.txt"))
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for _ in range(args.lines):
            out.write(make_message(rng) + "\n")
    print(f"wrote {args.lines} messages to {args.out}")


if __name__ == "__main__":
    main()
