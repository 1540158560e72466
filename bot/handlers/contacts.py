"""When no person can take the conversation: the team's hours and contacts, from the SOP.

Without a staff chat the bot cannot hand anyone over. "Try again later" would leave
the customer where they started; the SOP usually says how to reach the team (hours,
email, official numbers), so that is what the customer gets, said honestly: the bot
does not promise a person it cannot connect. The entry is `support.contact_entry`,
else the first entry tagged `kontak` or `contact`.
"""

from __future__ import annotations

from bot.actions import Action, Button
from bot.events import Event
from bot.handlers import choices
from bot.handlers.context import Context
from bot.handlers.conversation import reply
from bot.sop.model import SopEntry

CONTACT_TAGS = frozenset({"kontak", "contact", "contacts", "hubungi"})


def contact_entry(ctx: Context) -> SopEntry | None:
    """The SOP entry that tells customers how to reach the team, if the SOP has one."""
    configured = ctx.settings.support.contact_entry
    if configured:
        entry = ctx.knowledge.get(configured)
        if entry is not None:
            return entry
    for entry in ctx.knowledge.entries:
        if not entry.handoff and any(tag.casefold() in CONTACT_TAGS for tag in entry.tags):
            return entry
    return None


def contact_buttons(entry: SopEntry, language: str) -> tuple[Button, ...]:
    """The entry's links (its official contacts page, say), as under any answer."""
    return tuple(
        Button(
            link.label.get(language) or next(iter(link.label.values()), ""),
            data=f"sop:{link.entry_id}" if link.entry_id else "",
            url=link.url,
        )
        for link in entry.links
    )


async def no_team_reply(event: Event, ctx: Context, *, reason: str, language: str) -> list[Action]:
    """What the customer hears when they need a person and no staff chat is configured.

    `reason` is the handoff reason: `sop:<entry>` (a topic only people handle) gets
    its own opening line, every other reason (asking, a button, /human, misses) the
    same one.
    """
    topic = reason.startswith("sop:")
    entry = contact_entry(ctx)
    if entry is None:
        key = "support.no_team_topic" if topic else "support.no_team"
        return [await reply(event, ctx, ctx.t(key, language))]
    intro = ctx.t("support.no_team_topic_contacts" if topic else "support.no_team_contacts", language)
    text = f"{intro}\n\n{entry.answer_in(language)}"
    buttons = contact_buttons(entry, language)
    if event.sender is not None:
        conversation = await ctx.tx.conversations.get_or_create(event.address.chat_key, event.sender.key, ctx.now)
        choices.remember(conversation, buttons, ctx.now)
    return [await reply(event, ctx, text, buttons=buttons, entry_id=entry.id)]
