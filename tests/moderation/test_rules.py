"""Rules and evaluate: a conversation in a group, with explicit timestamps (no sleeping)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from bot.events import ChatKind, Message, Right
from bot.moderation.activity import ActivityTracker, RecentActivity
from bot.moderation.evaluate import Verdict, evaluate
from bot.moderation.normalise import text_fingerprint
from bot.moderation.policy import ModerationPolicy
from bot.moderation.rules import CompiledPolicy, PolicyCompiler, RuleContext
from bot.moderation.sanctions import Punishment, RuleAction
from bot.moderation.settings import apply_setting_text
from bot.moderation.terms import WordList

from .conftest import CHAT, NOW, MessageFactory


@pytest.fixture(scope="module")
def compiler() -> PolicyCompiler:
    return PolicyCompiler()


def policy_with(*settings: str) -> ModerationPolicy:
    policy = ModerationPolicy()
    for setting in settings:
        policy = apply_setting_text(policy, setting)
    return policy


class Chat:
    """A group chat driven message by message, the way the shell drives the engine."""

    def __init__(self, compiler: PolicyCompiler, policy: ModerationPolicy) -> None:
        self.compiled = compiler.compile(policy)
        self.tracker = ActivityTracker()
        self.joined: dict[str, datetime] = {}

    def say(self, message: Message) -> Verdict | None:
        assert message.sender is not None
        recent = self.tracker.record(
            CHAT.chat_key, message.sender.key, message.at, text_fingerprint(message.text)
        )
        context = RuleContext(
            self.compiled, message.at, recent, self.joined.get(message.sender.user_id)
        )
        return evaluate(message, context)


def verdict(
    compiler: PolicyCompiler, message: Message, policy: ModerationPolicy | None = None
) -> Verdict | None:
    return Chat(compiler, policy or ModerationPolicy()).say(message)


def test_a_banned_word_is_deleted_with_a_warning(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    result = verdict(compiler, message("dasar g0bl0k"))
    assert result is not None
    assert (result.rule, str(result.action), result.evidence) == ("words", "delete+warn", "g0bl0k")
    assert result.reason("id") == "kata-kata menghina"
    assert result.reason("en") == "insulting language"
    assert not result.dry_run


def test_a_clean_message_passes(compiler: PolicyCompiler, message: MessageFactory) -> None:
    assert (
        verdict(compiler, message("Selamat pagi, pesanan saya sudah sampai. Terima kasih!")) is None
    )


def test_slur_outranks_profanity_in_the_reason(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    result = verdict(compiler, message("anjing, dasar aseng"))
    assert result is not None and result.reason_key == "reason.words.slur"


def test_invites_are_removed_unless_allowlisted(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    result = verdict(compiler, message("gabung yuk t.me/+Promo123"))
    assert result is not None and (result.rule, result.evidence) == ("invites", "t.me/+Promo123")
    assert result.reason("en") == "an invite to another group (t.me)"
    ours = policy_with("links.allow t.me/+OurGroup")
    assert verdict(compiler, message("gabung t.me/+OurGroup"), ours) is None


def test_invites_in_hidden_text_links(compiler: PolicyCompiler, message: MessageFactory) -> None:
    result = verdict(compiler, message("klik di sini", links=("https://discord.gg/abc",)))
    assert result is not None and result.rule == "invites"


def test_links_rule_respects_the_allowlist(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    policy = policy_with("links on", "links.allow example.com")
    assert verdict(compiler, message("lihat shop.example.com/sale"), policy) is None
    result = verdict(compiler, message("lihat bit.ly/x"), policy)
    assert result is not None and (result.rule, str(result.action)) == ("links", "delete")
    assert verdict(compiler, message("lihat bit.ly/x")) is None  # links are off by default


def test_new_members_may_not_post_links(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, ModerationPolicy())
    chat.joined["42"] = NOW - timedelta(minutes=5)
    chat.joined["7"] = NOW - timedelta(hours=2)
    result = chat.say(message("promo www.judi-online.xyz"))
    assert result is not None and result.rule == "newcomer_links"
    assert result.reason("en") == "a link from a new member (links are allowed 1h after joining)"
    assert chat.say(message("promo www.judi-online.xyz", user_id="7")) is None
    assert chat.say(message("halo semua", user_id="42")) is None


def test_newcomer_window_ends_exactly(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, policy_with("newlinks 30m"))
    chat.joined["42"] = NOW - timedelta(minutes=30)
    assert chat.say(message("bit.ly/abc")) is None


def test_flood_mutes_at_the_threshold(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, policy_with("flood 5/10s"))
    results = [chat.say(message(f"pesan {i}", at=NOW + timedelta(seconds=2 * i))) for i in range(5)]
    assert results[:4] == [None] * 4
    flood = results[4]
    assert flood is not None and flood.rule == "flood"
    assert flood.action == RuleAction(
        delete=False, punishment=Punishment.MUTE, duration=timedelta(minutes=10)
    )
    assert flood.reason("id") == "spam pesan (5 pesan dalam 10s)"


def test_slow_messages_are_not_flood(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, policy_with("flood 5/10s"))
    results = [
        chat.say(message(f"pesan {i}", at=NOW + timedelta(seconds=3 * i))) for i in range(10)
    ]
    assert results == [None] * 10


def test_flood_counts_per_sender(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, policy_with("flood 3/10s"))
    results = [
        chat.say(message(f"hai {i}", at=NOW + timedelta(seconds=i), user_id=str(i % 2)))
        for i in range(4)
    ]
    assert results == [None] * 4


def test_repeated_text_is_deleted(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, policy_with("repeat 3/60s"))
    texts = ["Promo murah cek bio", "promo MURAH, cek bio!!", "halo", "promo murah cek bio"]
    results = [
        chat.say(message(text, at=NOW + timedelta(seconds=10 * i))) for i, text in enumerate(texts)
    ]
    assert results[:3] == [None] * 3
    repeat = results[3]
    assert repeat is not None and (repeat.rule, str(repeat.action)) == ("repeat", "delete")


def test_repeats_outside_the_window_do_not_count(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    chat = Chat(compiler, policy_with("repeat 3/60s"))
    results = [
        chat.say(message("promo murah cek bio", at=NOW + timedelta(seconds=40 * i)))
        for i in range(4)
    ]
    assert results == [None] * 4


def test_short_replies_are_not_repeats(compiler: PolicyCompiler, message: MessageFactory) -> None:
    chat = Chat(compiler, ModerationPolicy())
    results = [chat.say(message("ok", at=NOW + timedelta(seconds=5 * i))) for i in range(5)]
    assert results == [None] * 5


def test_mention_spam(compiler: PolicyCompiler, message: MessageFactory) -> None:
    assert verdict(compiler, message("@a1x @b2x @c3x @d4x cek promo")) is None
    result = verdict(compiler, message("@a1x @b2x @c3x @d4x @e5x cek promo"))
    assert result is not None and result.rule == "mentions"
    platform = verdict(compiler, message("halo", mentions=("1", "2", "3", "4", "5", "6")))
    assert platform is not None and platform.reason("en") == "too many mentions (6; the limit is 5)"
    assert verdict(compiler, message("email a@b.com c@d.com e@f.com g@h.com i@j.com")) is None


def test_shouting_when_switched_on(compiler: PolicyCompiler, message: MessageFactory) -> None:
    policy = policy_with("caps 70%")
    result = verdict(compiler, message("KAPAN PESANAN SAYA DIKIRIM???"), policy)
    assert result is not None and result.rule == "caps"
    assert result.reason("en") == "shouting (100% capital letters)"
    assert verdict(compiler, message("OK SIAP"), policy) is None  # too short to judge
    assert verdict(compiler, message("cek HTTPS://WWW.EXAMPLE.COM/PROMO ya kak"), policy) is None
    assert verdict(compiler, message("Halo Kak Budi, Saya Mau Tanya"), policy) is None
    assert verdict(compiler, message("🔥🔥🔥 MANTAP 🔥🔥🔥 kak")) is None
    assert verdict(compiler, message("KAPAN PESANAN SAYA DIKIRIM???")) is None  # off by default


def test_admins_and_bots_are_exempt_by_default(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    admin = message("bangsat", rights=frozenset({Right.ADMIN}))
    bot = message("bangsat", is_bot=True)
    assert verdict(compiler, admin) is None
    assert verdict(compiler, bot) is None
    strict = policy_with("exempt.admins off", "exempt.bots off")
    assert verdict(compiler, admin, strict) is not None
    assert verdict(compiler, bot, strict) is not None


def test_private_chats_are_not_moderated(compiler: PolicyCompiler, message: MessageFactory) -> None:
    assert verdict(compiler, message("bangsat", kind=ChatKind.PRIVATE)) is None


def test_most_severe_action_wins(compiler: PolicyCompiler, message: MessageFactory) -> None:
    policy = policy_with("invites.action ban", "words.action delete")
    result = verdict(compiler, message("bangsat join t.me/+Spam"), policy)
    assert result is not None
    assert (result.rule, str(result.action), result.also) == ("invites", "ban", ("words",))


def test_equal_actions_go_to_the_rule_listed_first(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    result = verdict(compiler, message("bangsat join t.me/+Spam"))
    assert result is not None and (result.rule, result.also) == ("words", ("invites",))


def test_dry_run_is_reported_on_the_verdict(
    compiler: PolicyCompiler, message: MessageFactory
) -> None:
    result = verdict(compiler, message("bangsat"), policy_with("dryrun on"))
    assert result is not None and result.dry_run


def test_chat_word_settings_apply(compiler: PolicyCompiler, message: MessageFactory) -> None:
    pets = policy_with("words.remove anjing", "words.add kucing garong")
    assert verdict(compiler, message("anjing saya lucu"), pets) is None
    result = verdict(compiler, message("dasar kucing garong"), pets)
    assert result is not None and result.reason_key == "reason.words.custom"


def test_compiler_shares_filters_between_equal_word_settings(compiler: PolicyCompiler) -> None:
    first = compiler.compile(policy_with("flood 5/10s"))
    second = compiler.compile(policy_with("caps on"))
    assert first.words is second.words
    assert compiler.compile(policy_with("words.add foo")).words is not first.words


def test_compiled_policy_can_use_other_lists(message: MessageFactory) -> None:
    compiled = CompiledPolicy.build(ModerationPolicy(), WordList((), ()))
    result = evaluate(message("bangsat"), RuleContext(compiled, NOW))
    assert result is None


def test_disabled_rules_do_not_run(compiler: PolicyCompiler, message: MessageFactory) -> None:
    policy = policy_with(
        "words off", "invites off", "newlinks off", "mentions off", "flood off", "repeat off"
    )
    compiled = compiler.compile(policy)
    assert compiled.active_rules == ()
    assert evaluate(message("bangsat t.me/+x"), RuleContext(compiled, NOW)) is None


# --- the activity tracker ----------------------------------------------------------------


def test_tracker_keeps_the_window_and_includes_the_current_message() -> None:
    tracker = ActivityTracker(window=timedelta(seconds=60))
    for seconds in (0, 30, 70, 80):
        recent = tracker.record("chat", "user", NOW + timedelta(seconds=seconds), f"t{seconds}")
    assert recent == RecentActivity(
        (NOW + timedelta(seconds=30), NOW + timedelta(seconds=70), NOW + timedelta(seconds=80)),
        ("t30", "t70", "t80"),
    )
    assert recent.current_fingerprint == "t80"
    assert recent.count_since(NOW + timedelta(seconds=65)) == 2
    assert recent.repeats_since("t70", NOW) == 1


def test_tracker_separates_chats_and_users() -> None:
    tracker = ActivityTracker()
    tracker.record("chat1", "user", NOW, "a")
    assert tracker.record("chat2", "user", NOW, "b").fingerprints == ("b",)
    assert tracker.record("chat1", "other", NOW, "c").fingerprints == ("c",)


def test_tracker_forgets_the_least_recently_active_sender() -> None:
    tracker = ActivityTracker(max_senders=2)
    tracker.record("c", "a", NOW, "1")
    tracker.record("c", "b", NOW, "2")
    tracker.record("c", "a", NOW + timedelta(seconds=1), "3")
    tracker.record("c", "new", NOW + timedelta(seconds=2), "4")
    assert len(tracker) == 2
    assert tracker.record("c", "b", NOW + timedelta(seconds=3), "5").fingerprints == ("5",)
    assert tracker.record("c", "new", NOW + timedelta(seconds=4), "6").fingerprints == ("4", "6")


def test_tracker_caps_entries_per_sender() -> None:
    tracker = ActivityTracker(max_per_user=3)
    for i in range(5):
        recent = tracker.record("c", "u", NOW + timedelta(seconds=i), str(i))
    assert recent.fingerprints == ("2", "3", "4")


def test_forget_drops_a_sender() -> None:
    tracker = ActivityTracker()
    tracker.record("c", "u", NOW, "1")
    tracker.forget("c", "u")
    assert tracker.record("c", "u", NOW, "2").fingerprints == ("2",)


def test_verdict_is_immutable(compiler: PolicyCompiler, message: MessageFactory) -> None:
    result = verdict(compiler, message("bangsat"))
    assert result is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.rule = "other"  # type: ignore[misc]
