"""The moderation rule engine: pure decisions, no database and no platform.

    compiler = PolicyCompiler()                      # once per process (loads the word lists)
    compiled = compiler.compile(policy)              # once per chat settings change (cached)
    recent = tracker.record(chat_key, user_key, message.at, text_fingerprint(message.text))
    verdict = evaluate(message, RuleContext(compiled, now, recent, joined_at))

Modules, one job each: `normalise` (bypass-proof text), `terms` (word-list format and
the shipped lists), `wordfilter` (Aho-Corasick whole-word matching), `context` (whether a
listed word, where it stands, is abuse: weights, evidence, innocent senses), `links`
(links, invites, allowlist), `activity` (recent messages per sender), `rules`,
`evaluate`, `policy` (settings data and JSON), `settings` (typed `settings` commands
and the overview), `sanctions` (delete/warn/mute/ban actions), `ladder` (warnings),
`durations`, `limits` (platform limits), `i18n` (the message catalogue).
"""

from bot.moderation.activity import ActivityRecorder, ActivityTracker, RecentActivity
from bot.moderation.durations import DurationError, format_duration, parse_duration
from bot.moderation.evaluate import Verdict, evaluate
from bot.moderation.ladder import DEFAULT_LADDER, LadderStep, next_step, parse_ladder
from bot.moderation.limits import (
    can_delete,
    clamp_ban,
    clamp_ban_message_deletion,
    clamp_restriction,
)
from bot.moderation.normalise import text_fingerprint
from bot.moderation.policy import ModerationPolicy, from_dict, to_dict
from bot.moderation.rules import RULES, CompiledPolicy, PolicyCompiler, RuleContext, Violation
from bot.moderation.sanctions import Punishment, RuleAction
from bot.moderation.settings import SettingError, apply_setting, apply_setting_text, describe
from bot.moderation.terms import WordEntry, WordList, load_default_wordlists
from bot.moderation.wordfilter import WordFilter, WordHit

__all__ = [
    "DEFAULT_LADDER",
    "RULES",
    "ActivityRecorder",
    "ActivityTracker",
    "CompiledPolicy",
    "DurationError",
    "LadderStep",
    "ModerationPolicy",
    "PolicyCompiler",
    "Punishment",
    "RecentActivity",
    "RuleAction",
    "RuleContext",
    "SettingError",
    "Verdict",
    "Violation",
    "WordEntry",
    "WordFilter",
    "WordHit",
    "WordList",
    "apply_setting",
    "apply_setting_text",
    "can_delete",
    "clamp_ban",
    "clamp_ban_message_deletion",
    "clamp_restriction",
    "describe",
    "evaluate",
    "format_duration",
    "from_dict",
    "load_default_wordlists",
    "next_step",
    "parse_duration",
    "parse_ladder",
    "text_fingerprint",
    "to_dict",
]
