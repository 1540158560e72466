"""Tweet-style messages: replies to @handles, USER/URL placeholders, hashtags, emoji.

Each test is a line a member could post in a group (or a reply on a platform that shows
handles): it is deleted with a warning naming the word, or it is left alone. The lines are
written for these tests, in the style of Indonesian Twitter.
"""

from __future__ import annotations

import pytest

from bot.moderation.normalise import tweet_view
from bot.moderation.rules import PolicyCompiler
from bot.moderation.wordfilter import WordFilter

from .conftest import MessageFactory
from .test_word_context import assert_deleted_and_warned, said


@pytest.fixture(scope="module")
def compiler() -> PolicyCompiler:
    return PolicyCompiler()


REPLIES_DELETED = [
    # a word right after the handle is what is said to that person
    ("@dodi_ganteng99 cebong kepanasan, dikritik dikit langsung ngamuk", "cebong"),
    ("USER kampret cingkrang, komennya ngawur terus", "kampret"),
    ("@warganet_x sinting nih orang, nyebar hoaks tiap hari", "sinting"),
    ("USER USER sampah lu, kerjaannya cuma nyinyir", "sampah"),
    ("@akun_bodong bacot", "bacot"),  # the handle and the word alone
    ("RT USER: @dinda_ayu babi lu semua, antrian diserobot", "babi"),
    # the words of a handle are not words of the line: `pasar_babi`, `kopi` say nothing
    ("@pasar_babi_guling babi lu, utang belum dibayar", "babi"),
    ("@warkop_susu_kental kntl lu, janji bayar tanggal 5", "kntl"),
    # emoji and repeated punctuation between the words do not break the address
    ("lo 😡 babi", "babi"),
    ("kamu... babi!!!", "babi"),
    ("dasar 🙄🙄 kunyuk", "kunyuk"),
    # escapes left by tweet corpora: emoji as bytes, line breaks as \n
    (r"USER lo \xf0\x9f\x98\xa1\xf0\x9f\x98\xa1 babi", "babi"),
    (r"capek sama kelakuanmu\nbabi lu", "babi"),
    # hashtags read as their words
    ("#DasarTolol pejabat kok gitu", "tolol"),
    ("ngapain sih #dasartolol", "tolol"),
]


REPLIES_LEFT_ALONE = [
    # an exclamation to a friend, or laughing with them
    "@bayu_kpd kampret, ketinggalan kereta terakhir",
    "USER sialan wkwkwk, rahasia gw dibocorin",
    "@nadia_rz gila, keren parah bikinnya",
    # the thing after the handle is talked about, not called names
    "@pemkot_bdg sampah di depan pasar belum diangkut 3 hari",
    "@ragunan_zoo monyet yang baru lahir namanya siapa?",
    # a handle or link with a listed word in it is not that word
    "@anjing_lucu_id kak, yang coklat masih ada?",
    "cek thread ini https://t.co/4nj1nGb4b1 lengkap",
    "USER URL",
    r"RT USER: sate babi enak\nmampir ya \xf0\x9f\x98\x8b URL",
    # hashtags that only look like it
    "promo #asuransi jiwa bulan ini",
    "#SampahPlastik numpuk lagi di kali, ayo pilah dari rumah",
    # emphasis, not disguise
    "GILAAA TIMNAS MENANG LAGI 🔥",
    # admiration said to a friend
    "@sinta_run gila lu, half marathon di bawah 2 jam",
    "edan kowe, sak dina entek 4 bungkus",
    "USER gila gila gila, konsernya pecah",
]


NEW_WORDS_DELETED = [
    ("dasar sontoloyo, kerja gak becus", "sontoloyo"),
    ("koplak lu, disuruh beli gula malah beli garam", "koplak"),
    ("tikus berdasi semua di gedung itu", "tikus berdasi"),
    ("dasar pelakor, gak tau malu", "pelakor"),
    ("dasar cewek murahan", "cewek murahan"),
    ("bos gw tuh goblok, salah sendiri nyalahin anak buah", "goblok"),
    ("babi lah, dompet ketinggalan", "babi"),
    ("dasar budak cebong", "cebong"),
    ("kaum bani kampret", "kampret"),
    ("orang madura itu maling semua", "madura"),
    ("dasar batak kasar", "batak"),
    ("buzzerRp dibayar berapa lu", "buzzerrp"),
]


@pytest.mark.parametrize(("text", "term"), REPLIES_DELETED + NEW_WORDS_DELETED)
def test_tweets_and_insults_aimed_at_someone_are_deleted(
    compiler: PolicyCompiler, message: MessageFactory, text: str, term: str
) -> None:
    assert_deleted_and_warned(said(compiler, message, text), term)


NEW_WORDS_LEFT_ALONE = [
    # said of oneself
    "gw tuh goblok banget, kunci ketinggalan lagi",
    # names of peoples and faiths, without a stereotype said of them
    "lo batak ya? marganya apa",
    "mudik ke jawa tengah lewat tol",
    "islam bukan teroris, jangan digeneralisasi",
    "warga papua butuh bantuan air bersih",
    # innocent senses of the new words
    "barang murahan tapi awet, recommended",
    "kaki digigit lintah pas turun ke sawah",
    "ditonton ulang 3 Idiots, tetep nangis",
    "sate babi lah yang paling enak di sini",
    "sampah plastik numpuk di sungai, petugas belum datang",
]


@pytest.mark.parametrize("text", REPLIES_LEFT_ALONE + NEW_WORDS_LEFT_ALONE)
def test_tweets_and_innocent_uses_of_listed_words_are_left_alone(
    compiler: PolicyCompiler, message: MessageFactory, text: str
) -> None:
    assert said(compiler, message, text) is None


def test_a_hit_points_at_the_word_in_the_original_text(words: WordFilter) -> None:
    text = "RT @pasar_babi: #DasarTolol @x_y babi lu"
    hits = {hit.term: hit for hit in words.match(text)}
    assert hits["tolol"].fragment == "Tolol"
    assert hits["babi"].fragment == "babi"
    assert text[slice(*hits["babi"].span)] == "babi"
    assert hits["babi"].span[0] == text.rindex("babi")


def test_mentions_links_and_hashtags_read_as_words() -> None:
    view = tweet_view("@mamat_kopi cek https://t.co/x1 #DasarTolol a@b.com USER")
    assert view is not None
    assert view.text.split() == ["user", "cek", "url", "Dasar", "Tolol", "a@b.com", "user"]
    start = view.text.index("Tolol")
    original = "@mamat_kopi cek https://t.co/x1 #DasarTolol a@b.com USER"
    assert original[slice(*view.original_span(start, start + 5))] == "Tolol"
    assert tweet_view("biasa aja, gak ada apa-apa") is None
    assert tweet_view("email budi@kantor.co.id aja") is None  # an address is not a mention


_LONG = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "#" + "1" * _LONG,  # a hashtag's look-ahead for a letter reads the digits once
        "#1" * (_LONG // 2),
        "@" * _LONG,
        "\\x" * (_LONG // 2),
        "\\xf0" * (_LONG // 4) + " anjing",
        "#" + "aB" * (_LONG // 2),
        "#" + "a" * _LONG,  # too long to split into listed words
        "@a babi lu " * (_LONG // 10),
    ],
)
def test_tweet_markup_built_to_backtrack_is_read_once(words: WordFilter, text: str) -> None:
    """Each input is read in one pass (the suite would hang otherwise); the answer is what
    the words say: only the two inputs with a listed word aimed at someone are flagged."""
    hits = words.match(text)
    assert bool(hits) == ("anjing" in text or "babi lu" in text)
    for hit in hits:
        assert text[hit.span[0] : hit.span[1]] == hit.fragment
