"""Answering customers from the SOP, and only from it.

The knowledge base decides (answer, clarify, not covered, small talk); this module
turns the decision into replies and remembers what it needs across messages: the
choices just shown (so a typed "2" picks the second, and only then) and how many
tries in a row found nothing. Entries marked `handoff` and repeated misses go to
the handoff capability, or, when no staff chat is configured, to the team's
contacts from the SOP: the bot never promises a person it cannot connect.

Before the SOP is asked, two kinds of message get their own reply: a bare number
(a choice, or a clear word that nothing is open to choose from) and a message of
emoji only (a reaction, not a question). After it, a message the SOP did not
cover that is thanks or a greeting in another language ("matur suwun") is small
talk, and one clearly in another language is told which languages the bot speaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.actions import Action, Button
from bot.events import ButtonPressed, ChatKind, Event, Message
from bot.handlers import choices, contacts, handoff
from bot.handlers.context import Context, Outcome
from bot.handlers.conversation import record_incoming, reply
from bot.handlers.reactions import Reaction, reaction_of
from bot.handlers.sop_admin import record_gap
from bot.sop.model import Decision, DecisionKind, SopEntry
from bot.sop.other_language import REGIONAL, courtesy_kind, other_language
from bot.storage.models import ConversationState

CHOICE_PREFIX = "sop:"
NONE_OF_THESE = "sop:none"


async def prepare(events: Sequence[Event], ctx: Context) -> None:
    """Before a batch is walked: its customers' questions are encoded together, which costs the
    encoder a fraction of one call each (`KnowledgeBase.prepare`); the replies do not change."""
    texts = [event.text for event in events if isinstance(event, Message) and _asks_the_sop(event)]
    if len(texts) > 1:
        ctx.knowledge.prepare(texts)


def _asks_the_sop(event: Message) -> bool:
    """A customer's text that `handle` will put to the SOP (unless a person has the conversation)."""
    return (
        event.chat_kind is ChatKind.PRIVATE
        and event.sender is not None
        and not event.sender.is_bot
        and not event.edited
        and bool(event.text.strip())
        and choices.typed_number(event.text) is None
        and reaction_of(event.text) is None
    )


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
        return Outcome.done("media", await _say(event, ctx, conversation, text))
    number = choices.typed_number(event.text)
    if number is not None:
        return await _typed_number(number, event, ctx, conversation)
    reaction = reaction_of(event.text)
    if reaction is not None:
        return await _reacted(reaction, event, ctx, conversation)
    hint = await _language_hint(event, ctx)
    decision = ctx.knowledge.decide(
        event.text, platform_language=hint, default_language=ctx.settings.default_language
    )
    conversation.language = decision.language
    conversation.last_question = ctx.mask(event.text)
    conversation.updated_at = ctx.now
    await record_incoming(event, ctx, event.text, outcome=decision.kind.value)
    if decision.kind in (DecisionKind.NO_MATCH, DecisionKind.VAGUE):
        courtesy = courtesy_kind(event.text)  # "matur suwun", "sugeng enjing", "gracias"
        if courtesy is not None:
            kind = "greeting" if courtesy == "greeting" else "thanks"
            text = _small_talk(ctx, f"support.small_talk_{kind}", decision.language, event)
            return Outcome.done(f"small_talk:{kind}", await _say(event, ctx, conversation, text))
        foreign = other_language(event.text)
        if foreign is not None:
            return await _not_covered(event, ctx, conversation, decision.language, foreign=foreign)
    return await _act_on(decision, event, ctx, conversation)


async def _say(
    event: Event,
    ctx: Context,
    conversation: ConversationState,
    text: str,
    *,
    buttons: tuple[Button, ...] = (),
    entry_id: str | None = None,
) -> Action:
    """Reply, and make the reply's buttons the choices a typed number picks (none: nothing open)."""
    choices.remember(conversation, buttons, ctx.now)
    return await reply(event, ctx, text, buttons=buttons, entry_id=entry_id)


async def _act_on(
    decision: Decision, event: Message, ctx: Context, conversation: ConversationState
) -> Outcome:
    language = decision.language
    if decision.kind is DecisionKind.SMALL_TALK:
        text = _small_talk(ctx, f"support.small_talk_{decision.small_talk}", language, event)
        return Outcome.done(f"small_talk:{decision.small_talk}", await _say(event, ctx, conversation, text))
    if decision.kind is DecisionKind.VAGUE:
        # not a miss: the customer has not asked anything yet
        text = ctx.t("support.vague", language)
        return Outcome.done("vague", await _say(event, ctx, conversation, text))
    if decision.kind is DecisionKind.ANSWER and decision.entry is not None:
        return await _answer(decision.entry, language, event, ctx, conversation)
    if decision.kind is DecisionKind.CLARIFY and decision.options:
        labels = choices.option_labels(decision.options, event.text, language)
        buttons = (
            *(
                Button(label, f"{CHOICE_PREFIX}{entry.id}")
                for entry, label in zip(decision.options, labels, strict=True)
            ),
            Button(ctx.t("support.none_of_these", language), NONE_OF_THESE),
        )
        text = ctx.t("support.clarify", language)
        return Outcome.done("clarify", await _say(event, ctx, conversation, text, buttons=buttons))
    return await _not_covered(event, ctx, conversation, language)


async def _answer(
    entry: SopEntry, language: str, event: Event, ctx: Context, conversation: ConversationState
) -> Outcome:
    conversation.failed_attempts = 0
    if entry.handoff:
        choices.forget(conversation)
        if not handoff.available(ctx):
            # The answer of a handoff entry says a person takes over; with nobody to take
            # over, the customer gets the way to reach the team instead of a broken promise.
            told = await contacts.no_team_reply(event, ctx, reason=f"sop:{entry.id}", language=language)
            return Outcome.done("handoff_entry_no_team", *told)
        answer = await reply(event, ctx, entry.answer_in(language), entry_id=entry.id)
        actions = await handoff.request(event, ctx, reason=f"sop:{entry.id}", language=language)
        return Outcome.done("handoff_entry", answer, *actions)
    buttons = contacts.contact_buttons(entry, language)
    sent = await _say(event, ctx, conversation, entry.answer_in(language), buttons=buttons, entry_id=entry.id)
    return Outcome.done(f"answered:{entry.id}", sent)


async def _not_covered(
    event: Event,
    ctx: Context,
    conversation: ConversationState,
    language: str,
    *,
    foreign: str | None = None,
) -> Outcome:
    """Nothing in the SOP fits (or the customer chose "none of these"): say so, never guess.

    `foreign` is the language of a message clearly written in one the bot does not
    speak; the customer is told which languages it does, in Indonesian for the
    region's languages and in English and Indonesian otherwise.
    """
    conversation.failed_attempts += 1
    if conversation.last_question:
        await record_gap(ctx, conversation.last_question, language, "other_language" if foreign else "no_match")
    if await handoff.takes_unanswered(event, ctx, conversation.failed_attempts):
        # The customer is not left to ask a third time: a person takes it from here.
        choices.forget(conversation)
        actions = await handoff.request(event, ctx, reason="sop_miss", language=language)
        return Outcome.done("handoff_after_misses", *actions)
    repeated = conversation.failed_attempts >= ctx.settings.support.failed_attempts_before_handoff
    if foreign in REGIONAL:
        language = "id"  # the note and its button both in the language these customers read
    offer, way = _offer(ctx, language)
    if foreign is not None:
        if foreign in REGIONAL:
            text = ctx.t("support.other_language", "id")
        else:
            text = f"{ctx.t('support.other_language', 'en')}\n\n{ctx.t('support.other_language', 'id')}"
        label = f"other_language:{foreign}"
    elif repeated:
        text, label = ctx.t(_OFFER_AFTER_MISSES[way], language), "offered_human"
    else:
        text, label = ctx.t(_NOT_COVERED[way], language), "not_covered"
    return Outcome.done(label, await _say(event, ctx, conversation, text, buttons=offer))


# What is said with each way to a person (see `_offer`).
_NOT_COVERED = {"human": "support.not_covered", "contacts": "support.not_covered_contacts",
                "none": "support.not_covered_alone"}
_OFFER_AFTER_MISSES = {"human": "support.offer_human", "contacts": "support.offer_contacts",
                       "none": "support.offer_alone"}
_UPSET = {"human": "support.emoji_upset", "contacts": "support.emoji_upset_contacts",
          "none": "support.emoji_upset_alone"}


def _offer(ctx: Context, language: str) -> tuple[tuple[Button, ...], str]:
    """The way to a person under a miss ("human", "contacts" or "none"), and its button.

    A staff chat: a button that opens a ticket. None, but the SOP says how to reach
    the team: a button showing that entry. Neither: no button, and no promise.
    """
    if handoff.available(ctx):
        return (Button(ctx.t("support.talk_to_human", language), handoff.REQUEST_BUTTON),), "human"
    entry = contacts.contact_entry(ctx)
    if entry is not None:
        return (Button(ctx.t("support.contact_team", language), f"{CHOICE_PREFIX}{entry.id}"),), "contacts"
    return (), "none"


async def _typed_number(
    number: int, event: Message, ctx: Context, conversation: ConversationState
) -> Outcome:
    """A number on its own: the choice it names while choices are open, else a clear word."""
    assert event.sender is not None
    language = conversation.language or await ctx.language_of(event.sender)
    open_for = timedelta(minutes=ctx.settings.support.options_open_minutes)
    shown = choices.open_choices(conversation, ctx.now, open_for)
    if not shown:
        await record_incoming(event, ctx, event.text, outcome="number_no_choices")
        text = ctx.t("support.no_open_choices", language)
        return Outcome.done("number_no_choices", await _say(event, ctx, conversation, text))
    if not 1 <= number <= len(shown):
        await record_incoming(event, ctx, event.text, outcome="number_out_of_range")
        key = "support.choice_out_of_range" if len(shown) > 1 else "support.choice_out_of_range_one"
        text = ctx.t(key, language, number=number, last=len(shown))
        buttons = choices.as_buttons(shown)
        return Outcome.done("number_out_of_range", await _say(event, ctx, conversation, text, buttons=buttons))
    data = shown[number - 1].data
    if data.startswith(CHOICE_PREFIX):
        return await _chosen(event, ctx, data.removeprefix(CHOICE_PREFIX))
    if data == handoff.REQUEST_BUTTON:
        choices.forget(conversation)
        await record_incoming(event, ctx, "[talk to a human]", outcome="handoff_button")
        actions = await handoff.request(event, ctx, reason="button", language=language)
        return Outcome.done("handoff_requested", *actions)
    await record_incoming(event, ctx, event.text, outcome="number_no_choices")
    text = ctx.t("support.no_open_choices", language)
    return Outcome.done("number_no_choices", await _say(event, ctx, conversation, text))


async def _reacted(
    reaction: Reaction, event: Message, ctx: Context, conversation: ConversationState
) -> Outcome:
    """Emoji only: thanks for a 👍, hello for a 👋, an apology for a 😡, else "how can I help"."""
    assert event.sender is not None
    language = conversation.language or await ctx.language_of(event.sender)
    conversation.updated_at = ctx.now
    await record_incoming(event, ctx, event.text, outcome=f"emoji:{reaction.value}")
    if reaction is Reaction.THANKS:
        text = _small_talk(ctx, "support.small_talk_thanks", language, event)
    elif reaction is Reaction.GREETING:
        text = _small_talk(ctx, "support.small_talk_greeting", language, event)
    elif reaction is Reaction.UPSET:
        offer, way = _offer(ctx, language)
        text = ctx.t(_UPSET[way], language)
        return Outcome.done("emoji:upset", await _say(event, ctx, conversation, text, buttons=offer))
    else:
        text = ctx.t("support.emoji_other", language)
    return Outcome.done(f"emoji:{reaction.value}", await _say(event, ctx, conversation, text))


def _small_talk(ctx: Context, key: str, language: str, event: Event) -> str:
    name = event.sender.name.split(" ")[0] if event.sender and event.sender.name else ""
    return ctx.t(key, language, name=f" {name}" if name else "")


async def _chosen(event: Event, ctx: Context, entry_id: str) -> Outcome:
    assert event.sender is not None
    conversation = await ctx.tx.conversations.get_or_create(
        event.address.chat_key, event.sender.key, ctx.now
    )
    language = conversation.language or await ctx.language_of(event.sender)
    conversation.updated_at = ctx.now
    choices.forget(conversation)
    entry = ctx.knowledge.get(entry_id) if entry_id != "none" else None
    await record_incoming(event, ctx, f"[{entry_id}]", outcome="choice")
    if entry is None:
        return await _not_covered(event, ctx, conversation, language)
    return await _answer(entry, language, event, ctx, conversation)


async def _language_hint(event: Event, ctx: Context) -> str | None:
    """The person's chosen language, else what their platform reports: used when detection is unsure."""
    assert event.sender is not None
    record = await ctx.tx.people.get(event.sender.platform, event.sender.user_id)
    if record is not None and record.preferred_language:
        return record.preferred_language
    return event.sender.language
