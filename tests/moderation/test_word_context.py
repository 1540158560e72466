"""Word lists in context: innocent senses are left alone, insults aimed at someone are not.

Each test is a message in a group with the policy a new chat gets: either it is left alone,
or it is deleted and its sender warned, naming the word.
"""

from __future__ import annotations

import pytest

from bot.moderation.context import ContextRules, parse_context
from bot.moderation.evaluate import Verdict, evaluate
from bot.moderation.policy import ModerationPolicy
from bot.moderation.rules import PolicyCompiler, RuleContext
from bot.moderation.settings import apply_setting_text
from bot.moderation.terms import CONTEXT_WEIGHT, WordEntry, WordListError, parse_entry, parse_wordlist
from bot.moderation.wordfilter import WordFilter

from .conftest import NOW, MessageFactory


@pytest.fixture(scope="module")
def compiler() -> PolicyCompiler:
    return PolicyCompiler()


def said(compiler: PolicyCompiler, message: MessageFactory, text: str,
         policy: ModerationPolicy | None = None) -> Verdict | None:  # fmt: skip
    compiled = compiler.compile(policy or ModerationPolicy())
    return evaluate(message(text), RuleContext(compiled, NOW))


def assert_deleted_and_warned(result: Verdict | None, term: str) -> None:
    assert result is not None, "the message was left alone"
    assert (result.rule, str(result.action)) == ("words", "delete+warn")
    assert result.reason_params["term"] == term


# --- innocent senses of listed words -----------------------------------------------------

LEFT_ALONE = [
    # anjing, asu: the animal
    "anjing saya lagi sakit, ada rekomendasi dokter hewan?",
    "makanan anjing merek apa yang bagus buat anak anjing?",
    "anjing tetangga gonggong terus dari subuh",
    "anak anjiiing tetangga gemes banget",  # an allowed phrase, stretched
    "4n4k 4nj1ng lucu",  # an allowed phrase, in leetspeak
    "asu ku mlayu neng dalan, saiki ilang",
    "liburan ke Pulau Asu di Nias, ombaknya bagus",
    # babi, monyet, kunyuk, cebong, kirik: animals and food
    "sate babi sama babi guling di Bali enak",
    "monyet di Sangeh suka ngambil kacamata turis",
    "kunyuk di kebun binatang makan kacang",
    "cebong di kolam udah mulai jadi katak",
    "kirik e tonggoku lucu-lucu",
    # tai, telek: names and compounds
    "Koh Tai buka toko baru di pasar",
    "ada tai lalat di dagunya",
    "jangan lupa bersihin tai gigi ke dokter",
    "kena telek pitik pas nyapu kandang",
    # perek (near, in Tegal), kntl (kental), butoh (the dance), bolot (the comedian)
    "omahku perek stasiun, mampir wae",
    "es teh pakai susu kntl manis",
    "nonton pertunjukan tari butoh di Salihara",
    "nonton Haji Bolot di TV semalam",
    "Bolot itu pelawak Betawi legendaris",
    # aseng, keling, homo: names, places, science
    "beli bakpao di toko Koh Aseng aja",
    "Kampung Keling di Medan rame pas Deepavali",
    "homo sapiens muncul sekitar 300 ribu tahun lalu",
    "adonannya harus homogen",
    # English words that are also places, names and everyday phrases
    "We drove past Moron on the way to Buenos Aires",
    "Bitche has a huge citadel",
    "Twatt is a tiny village in Orkney",
    "whale watching near Dildo in Newfoundland",
    "Dick Whittington was Lord Mayor of London",
    "jual white power bank 10000 mAh, masih segel",
    "we learned the 14 words of that haiku by heart",
    "this case is a great replacement for my old one",
    "UU Pornografi disahkan tahun 2008",
    "the law on child pornography was tightened",
    # talked about, not used
    "kata 'anjing' itu kasar, jangan dipakai di grup",
    "istilah kafir dalam fikih artinya orang yang tidak beriman",
    "bangsat itu aslinya nama serangga penghisap darah",
    # said of oneself, or as praise
    "aduh bego banget gw, lupa bawa dompet",
    "gila, keren banget golnya",
    # mild exclamations: a new chat does not act on them
    "anjir keren banget",
    "sialan, hujan pas jemuran belum diangkat",
    "kampret, bolanya melenceng lagi",
]


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_innocent_senses_are_left_alone(
    compiler: PolicyCompiler, message: MessageFactory, text: str
) -> None:
    assert said(compiler, message, text) is None


# --- the same words used as abuse --------------------------------------------------------

DELETED = [
    ("dasar anjing", "dasar anjing"),
    ("lo anjing ya", "anjing"),
    ("anjing macet bgt", "anjing"),  # swearing not aimed at anyone still counts
    ("Dasar Anjing Kau", "dasar anjing"),
    ("asu kowe, utange ora dibayar", "asu"),
    ("muka lo kayak babi", "babi"),
    ("babi lu", "babi"),
    ("lo tuh monyet, ngerti gak sih", "monyet"),
    ("dasar kunyuk", "kunyuk"),
    ("cebong goblok", "cebong"),  # the first of two insults is named
    ("dasar cebong", "cebong"),
    ("kampret lu, gw tungguin dari tadi", "kampret"),
    ("bacot lu", "bacot"),
    ("tai lu", "tai"),
    ("dasar perek", "perek"),
    ("kntl lah", "kntl"),
    ("dasar bolot, dipanggil dari tadi", "bolot"),
    ("usir semua aseng dari sini", "aseng"),
    ("dasar keling", "keling"),
    ("dasar homo", "homo"),
    ("dasar kafir", "kafir"),
    ("kafir laknat", "kafir"),
    ("dasar gila, nyebar foto orang", "dasar gila"),
    ("you moron", "moron"),
    ("you stupid bitch", "stupid"),  # an insult is named before profanity
    ("lu kira lucu? dasar setan", "setan"),
]


@pytest.mark.parametrize(("text", "term"), DELETED)
def test_words_aimed_at_someone_are_deleted_with_a_warning(
    compiler: PolicyCompiler, message: MessageFactory, text: str, term: str
) -> None:
    assert_deleted_and_warned(said(compiler, message, text), term)


def test_mild_words_are_a_tier_a_chat_can_switch_on(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    assert said(compiler, message, "anjir, telat lagi") is None
    strict = apply_setting_text(ModerationPolicy(), "words.categories +mild")
    result = said(compiler, message, "anjir, telat lagi", strict)
    assert result is not None and result.reason_key == "reason.words.mild"


def test_the_verdict_says_why_a_word_counted(words: WordFilter) -> None:
    (hit,) = words.match("dasar babi")
    assert hit.term == "babi" and hit.reasons == ("addressed",) and hit.score == 1.0
    (innocent,) = words.candidates("sate babi enak")
    assert not innocent.counts and innocent.reasons == ("food:sate",)


def test_a_disguise_is_evidence_on_its_own(words: WordFilter) -> None:
    assert words.match("babi") == []
    (hit,) = words.match("b4bi")
    assert hit.reasons == ("disguised",) and hit.counts


def test_a_comma_ends_the_words_next_to_a_term(words: WordFilter) -> None:
    assert words.match("asu ku lagi loro") == []  # "my dog is ill"
    assert [hit.term for hit in words.match("asu, aku lali nggowo dompet")] == ["asu"]


def test_two_words_that_need_context_do_not_vouch_for_each_other_from_afar(
    words: WordFilter,
) -> None:
    assert words.match("debat cebong vs kampret di grup keluarga bikin pusing") == []
    assert {hit.term for hit in words.match("cebong kampret")} == {"cebong", "kampret"}


# --- the list syntax and the cue file ----------------------------------------------------


def test_rules_are_written_on_the_term_and_read_back() -> None:
    entry = parse_entry("insult: babi+ (context; unless animal food; with attack)")
    assert entry == WordEntry("babi", "insult", with_suffixes=True, weight=CONTEXT_WEIGHT,
                              senses=("animal", "food"), boosts=("attack",))  # fmt: skip
    assert entry.spelled() == "babi+ (context; unless animal food; with attack)"
    assert parse_entry("kampret (weight 0.75)").weight == 0.75


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("babi (sometimes)", "not a rule: 'sometimes'"),
        ("babi (weight 2)", "not a weight: '2'"),
        ("babi (weight lots)", "not a weight: 'lots'"),
        ("babi (unless Ani-mal!)", "not a sense name"),
    ],
)
def test_a_bad_rule_names_the_line(line: str, error: str) -> None:
    with pytest.raises(WordListError, match=rf"x\.txt:2: {error}"):
        parse_wordlist(f"[insult]\n{line}\n", "x.txt")


def test_a_chat_adds_a_word_that_needs_context(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    policy = apply_setting_text(ModerationPolicy(), "words.add kucrut (context)")
    assert policy.words.add == ("kucrut (context)",)
    assert said(compiler, message, "kucrut", policy) is None
    assert_deleted_and_warned(said(compiler, message, "dasar kucrut", policy), "kucrut")


def test_the_cue_file_format() -> None:
    rules = parse_context(
        "[addressed before]\ndasar lo\n[filler]\ntuh\n[sense pet]\npelihara* kucing <saya bos>\n"
    )
    assert rules.addressed_before.exact == {"dasar", "lo"}
    pet = rules.senses["pet"]
    assert "peliharaan" in pet and "kucing" in pet and "saya" not in pet
    assert pet.right_after == {"saya"} and pet.right_before == {"bos"}
    with pytest.raises(WordListError, match=r"c\.txt:1: unknown section \[pets\]"):
        parse_context("[pets]\nkucing\n", "c.txt")
    with pytest.raises(WordListError, match=r"c\.txt:1: a word before any \[section\]"):
        parse_context("kucing\n", "c.txt")


def test_a_filter_with_its_own_cue_words() -> None:
    rules: ContextRules = parse_context("[addressed before]\nhey\n[sense pet]\nkennel\n")
    lists = parse_wordlist("[insult]\nmutt (context; unless pet)\n")
    chat = WordFilter.build(lists, context=rules)
    assert [hit.term for hit in chat.match("hey mutt")] == ["mutt"]
    assert chat.match("dasar mutt") == []  # "dasar" is not a cue in this file
    assert chat.match("hey, mutt") != []  # a comma does not hide who is spoken to
    assert chat.match("hey mutt, your kennel is open") == []


def test_an_insult_aimed_at_someone_is_not_banter_because_i_was_mentioned(
    words: WordFilter,
) -> None:
    assert words.match("aduh gw emang bego") == []
    assert [hit.term for hit in words.match("gw juga gitu, bego lu")] == ["bego"]
