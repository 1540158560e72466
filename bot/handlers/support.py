"""Answering customers from the SOP, and only from it.

The knowledge base decides (answer, clarify, not covered, small talk); this module
turns the decision into replies and remembers what it needs across messages: the
options of a pending clarification and how many tries in a row found nothing.
Entries marked `handoff` and repeated misses go to the handoff capability.
"""

from __future__ import annotations

import re

from bot.actions import Button
from bot.events import ButtonPressed, ChatKind, Event, Message
from bot.handlers import handoff
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming, reply
from bot.handlers.sop_admin import record_gap
from bot.sop.model import Decision, DecisionKind, SopEntry
from bot.storage.models import ConversationState

CHOICE_PREFIX = "sop:"
NONE_OF_THESE = "sop:none"
_TYPED_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


async def handle(event: Event, ctx: Context) -> Outcome | None:
    if event.chat_kind is not ChatKind.PRIVATE or event.sender is None or event.sender.is_bot:
        return None
    if isinstance(event, ButtonPressed) and event.data.startswith(CHOICE_PREFIX):
        return await _chosen(event, ctx, event.data.removeprefix(CHOICE_PREFIX))
    if not isinstance(event, Message) or event.edited:
        return None
    conversation = await ctx.tx.conversations.get_or_create(
        event.address.chat_key, event.sender.key, ctx.now
    )
    if not event.text.strip():
        language = conversation.language or await ctx.language_of(event.sender)
        await record_incoming(event, ctx, f"[{event.media or 'media'}]", outcome="media")
        text = ctx.t("support.media_not_supported", language)
        return Outcome.done("media", await reply(event, ctx, text))
    choice = _typed_choice(event.text, conversation)
    if choice is not None:
        return await _chosen(event, ctx, choice)
    hint = await _language_hint(event, ctx)
    decision = ctx.knowledge.decide(
        event.text, platform_language=hint, default_language=ctx.settings.default_language
    )
    conversation.language = decision.language
    conversation.last_question = ctx.mask(event.text)
    conversation.updated_at = ctx.now
    await record_incoming(event, ctx, event.text, outcome=decision.kind.value)
    return await _act_on(decision, event, ctx, conversation)


async def _act_on(
    decision: Decision, event: Event, ctx: Context, conversation: ConversationState
) -> Outcome:
    language = decision.language
    conversation.pending_options = None
    if decision.kind is DecisionKind.SMALL_TALK:
        name = event.sender.name.split(" ")[0] if event.sender and event.sender.name else ""
        text = ctx.t(f"support.small_talk_{decision.small_talk}", language, name=f" {name}" if name else "")
        return Outcome.done(f"small_talk:{decision.small_talk}", await reply(event, ctx, text))
    if decision.kind is DecisionKind.VAGUE:
        # not a miss: the customer has not asked anything yet
        return Outcome.done("vague", await reply(event, ctx, ctx.t("support.vague", language)))
    if decision.kind is DecisionKind.ANSWER and decision.entry is not None:
        return await _answer(decision.entry, language, event, ctx, conversation)
    if decision.kind is DecisionKind.CLARIFY and decision.options:
        conversation.pending_options = [entry.id for entry in decision.options]
        buttons = (
            *(Button(_option_label(entry, language), f"{CHOICE_PREFIX}{entry.id}") for entry in decision.options),
            Button(ctx.t("support.none_of_these", language), NONE_OF_THESE),
        )
        text = ctx.t("support.clarify", language)
        return Outcome.done("clarify", await reply(event, ctx, text, buttons=buttons))
    return await _not_covered(event, ctx, conversation, language)


async def _answer(
    entry: SopEntry, language: str, event: Event, ctx: Context, conversation: ConversationState
) -> Outcome:
    conversation.failed_attempts = 0
    conversation.pending_options = None
    if entry.handoff:
        answer = await reply(event, ctx, entry.answer_in(language), entry_id=entry.id)
        actions = await handoff.request(event, ctx, reason=f"sop:{entry.id}", language=language)
        return Outcome.done("handoff_entry", answer, *actions)
    buttons = tuple(
        Button(link.label.get(language) or next(iter(link.label.values()), ""),
               data=f"{CHOICE_PREFIX}{link.entry_id}" if link.entry_id else "",
               url=link.url)
        for link in entry.links
    )
    sent = await reply(event, ctx, entry.answer_in(language), buttons=buttons, entry_id=entry.id)
    return Outcome.done(f"answered:{entry.id}", sent)


async def _not_covered(
    event: Event, ctx: Context, conversation: ConversationState, language: str
) -> Outcome:
    conversation.failed_attempts += 1
    if conversation.last_question:
        await record_gap(ctx, conversation.last_question, language, "no_match")
    if await handoff.takes_unanswered(event, ctx, conversation.failed_attempts):
        # The customer is not left to ask a third time: a person takes it from here.
        actions = await handoff.request(event, ctx, reason="sop_miss", language=language)
        return Outcome.done("handoff_after_misses", *actions)
    offer = Button(ctx.t("support.talk_to_human", language), handoff.REQUEST_BUTTON)
    if conversation.failed_attempts >= ctx.settings.support.failed_attempts_before_handoff:
        text = ctx.t("support.offer_human", language)
        return Outcome.done("offered_human", await reply(event, ctx, text, buttons=(offer,)))
    text = ctx.t("support.not_covered", language)
    return Outcome.done("not_covered", await reply(event, ctx, text, buttons=(offer,)))


async def _chosen(event: Event, ctx: Context, entry_id: str) -> Outcome:
    assert event.sender is not None
    conversation = await ctx.tx.conversations.get_or_create(
        event.address.chat_key, event.sender.key, ctx.now
    )
    language = conversation.language or await ctx.language_of(event.sender)
    conversation.updated_at = ctx.now
    conversation.pending_options = None
    entry = ctx.knowledge.get(entry_id) if entry_id != "none" else None
    await record_incoming(event, ctx, f"[{entry_id}]", outcome="choice")
    if entry is None:
        return await _not_covered(event, ctx, conversation, language)
    return await _answer(entry, language, event, ctx, conversation)


def _typed_choice(text: str, conversation: ConversationState) -> str | None:
    """A number typed in answer to a clarification ("2"), for platforms without buttons."""
    options = conversation.pending_options or []
    match = _TYPED_CHOICE.match(text)
    if not options or match is None:
        return None
    number = int(match.group(1))
    if 1 <= number <= len(options):
        return str(options[number - 1])
    if number == len(options) + 1:
        return "none"
    return None


def _option_label(entry: SopEntry, language: str) -> str:
    questions = entry.questions.get(language) or ()
    return questions[0] if questions else entry.title


async def _language_hint(event: Event, ctx: Context) -> str | None:
    """The person's chosen language, else what their platform reports: used when detection is unsure."""
    assert event.sender is not None
    record = await ctx.tx.people.get(event.sender.platform, event.sender.user_id)
    if record is not None and record.preferred_language:
        return record.preferred_language
    return event.sender.language
