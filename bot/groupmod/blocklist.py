"""The chat's banned words, under Rose's names: /blocklist, /addblocklist, /rmblocklist,
/unblocklistall, /blocklistmode; and /filter, our first name for them.

In Rose, `/filter` makes automatic replies and `/blocklist` bans words. Admins coming
from Rose therefore type `/addblocklist "word" reason`, and may read `/filter` as
auto-replies: `/filter` keeps working here, and every answer to it says that
`/blocklist` is the name and that it does not make auto-replies.

Rose's trigger syntax is understood: one word, a "quoted phrase", or a list in
parentheses, `(word, other, "a phrase")`, followed by an optional reason. Rose keeps a
reason and an action per trigger; here every listed word shares the word rule's
action (`/blocklistmode`) and its catalogue reason, and the reply says so rather than
dropping what the admin wrote without a word.
"""

from __future__ import annotations

import dataclasses

from bot.events import Command
from bot.groupmod.command_kit import language_of, reply, save_policy, setup_of
from bot.handlers.context import Context, Outcome
from bot.moderation.settings import SettingError, apply_setting

_QUOTES = {'"': '"', "“": "”", "'": "'"}

_VERBS = {
    "add": "words.add",
    "remove": "words.remove",
    "allow": "words.allow",
    "unallow": "words.unallow",
    "tambah": "words.add",
    "hapus": "words.remove",
    "izinkan": "words.allow",
}

# Rose's blocklist modes (`/blocklistmode tmute 3h`) as our word-rule actions. Rose always
# deletes the message too, so every mode does.
_ROSE_MODES = {
    "nothing": "delete",
    "none": "delete",
    "delete": "delete",
    "warn": "delete+warn",
    "kick": "delete+kick",
    "ban": "delete+ban",
    "tban": "delete+ban",
    "mute": "delete+mute",
    "tmute": "delete+mute",
}


def split_triggers(text: str) -> tuple[list[str], str]:
    """Rose's trigger syntax: the triggers at the start of `text`, and the rest (a reason).

    `stupid don't`        → (["stupid"], "don't")
    `"a phrase" why`      → (["a phrase"], "why")
    `(a, b, "c d") why`   → (["a", "b", "c d"], "why")
    `a, b, c`             → (["a", "b", "c"], "")   (our own comma list, no reason)
    """
    text = text.strip()
    if text.startswith("("):
        inner, _, rest = text[1:].partition(")")
        return [_unquote(item) for item in inner.split(",") if _unquote(item)], rest.strip()
    closing = _QUOTES.get(text[:1])
    if closing is not None:
        end = text.find(closing, 1)
        if end > 1:
            return [text[1:end].strip()], text[end + 1 :].strip()
    first, _, rest = text.partition(" ")
    if first.endswith(","):
        return [_unquote(item) for item in text.split(",") if _unquote(item)], ""
    return ([_unquote(first)] if _unquote(first) else []), rest.strip()


def _unquote(item: str) -> str:
    item = item.strip()
    for opening, closing in _QUOTES.items():
        if len(item) >= 2 and item.startswith(opening) and item.endswith(closing):
            return item[1:-1].strip()
    return item


def rose_mode(text: str) -> str:
    """`tmute 3h` → `delete+mute 3h`; anything else is taken as our own action syntax."""
    head, _, rest = text.strip().partition(" ")
    mapped = _ROSE_MODES.get(head.lower())
    return f"{mapped} {rest}".strip() if mapped else text.strip()


async def _list(command: Command, ctx: Context, lang: str) -> str:
    words = (await setup_of(command, ctx)).policy.words
    return ctx.t(
        "moderation.blocklist_list",
        lang,
        added=", ".join(words.add) or "-",
        removed=", ".join(words.remove) or "-",
        allowed=", ".join(words.allow) or "-",
        categories=", ".join(sorted(words.categories)) or "-",
        action=str(words.action),
    )


async def _change(command: Command, ctx: Context, lang: str, key: str, value: str) -> tuple[str, bool]:
    """Apply `words.*` = `value` and save: the reply, and whether it was saved (else an error)."""
    setup = await setup_of(command, ctx)
    try:
        policy = apply_setting(setup.policy, key, value)
    except SettingError as error:
        return error.text(lang), False
    await save_policy(command, ctx, policy)
    return ctx.t(f"moderation.blocklist_{key.split('.')[1]}", lang, words=value), True


async def _verbs(command: Command, ctx: Context, lang: str) -> tuple[str, str]:
    """`list`, or `add|remove|allow|unallow WORDS` (the grammar /filter always had): the reply
    and the outcome's label."""
    verb = command.args[0].lower() if command.args else "list"
    if verb in ("list", "daftar"):
        return await _list(command, ctx, lang), "list"
    key = _VERBS.get(verb)
    if key is None or len(command.args) < 2:
        return ctx.t("moderation.blocklist_usage", lang), "usage"
    text, saved = await _change(command, ctx, lang, key, " ".join(command.args[1:]))
    return text, verb if saved else "error"


async def blocklist(command: Command, ctx: Context) -> Outcome:
    text, label = await _verbs(command, ctx, await language_of(command, ctx))
    return reply(command, text, f"moderation:blocklist_{label}")


async def filter_words(command: Command, ctx: Context) -> Outcome:
    """/filter: the same as /blocklist, with a hint under every answer."""
    lang = await language_of(command, ctx)
    text, label = await _verbs(command, ctx, lang)
    hint = ctx.t("moderation.filter_hint", lang)
    return reply(command, f"{text}\n\n{hint}", f"moderation:filter_{label}")


async def add_blocklist(command: Command, ctx: Context) -> Outcome:
    lang = await language_of(command, ctx)
    triggers, reason = split_triggers(command.arg_text)
    if not triggers:
        return reply(command, ctx.t("moderation.addblocklist_usage", lang), "moderation:addblocklist_usage")
    text, saved = await _change(command, ctx, lang, "words.add", ", ".join(triggers))
    if not saved:
        return reply(command, text, "moderation:addblocklist_error")
    if reason:
        action = str((await setup_of(command, ctx)).policy.words.action)
        text += "\n" + ctx.t("moderation.blocklist_reason_not_kept", lang, action=action)
    return reply(command, text, "moderation:addblocklist")


async def remove_blocklist(command: Command, ctx: Context) -> Outcome:
    lang = await language_of(command, ctx)
    text = command.arg_text.strip()
    triggers = split_triggers(text)[0] if text[:1] in ("(", *_QUOTES) else [text] if text else []
    if not triggers:
        return reply(command, ctx.t("moderation.rmblocklist_usage", lang), "moderation:rmblocklist_usage")
    text, saved = await _change(command, ctx, lang, "words.remove", ", ".join(triggers))
    return reply(command, text, "moderation:rmblocklist" + ("" if saved else "_error"))


async def clear_blocklist(command: Command, ctx: Context) -> Outcome:
    """/unblocklistall: forget every word this chat added; the built-in lists stay."""
    lang = await language_of(command, ctx)
    policy = (await setup_of(command, ctx)).policy
    count = len(policy.words.add)
    if count:
        cleared = dataclasses.replace(policy, words=dataclasses.replace(policy.words, add=()))
        await save_policy(command, ctx, cleared)
    categories = ", ".join(sorted(policy.words.categories)) or "-"
    key = "moderation.blocklist_cleared" if count else "moderation.blocklist_cleared_none"
    text = ctx.t(key, lang, count=count, categories=categories)
    return reply(command, text, "moderation:unblocklistall")


async def blocklist_mode(command: Command, ctx: Context) -> Outcome:
    lang = await language_of(command, ctx)
    setup = await setup_of(command, ctx)
    if not command.args:
        text = ctx.t("moderation.blocklistmode_show", lang, action=str(setup.policy.words.action))
        return reply(command, text, "moderation:blocklistmode")
    try:
        policy = apply_setting(setup.policy, "words.action", rose_mode(command.arg_text))
    except SettingError as error:
        text = error.text(lang) + "\n" + ctx.t("moderation.blocklistmode_usage", lang)
        return reply(command, text, "moderation:blocklistmode_error")
    await save_policy(command, ctx, policy)
    text = ctx.t("moderation.blocklistmode_set", lang, action=str(policy.words.action))
    return reply(command, text, "moderation:blocklistmode")
