"""The moderation decision for one message: which rule, why, the evidence, and what to do.

`evaluate` runs every rule in `RULES` and keeps the violation whose configured action
is the most severe (a ban outranks a mute, a mute a warning, a warning a deletion);
ties go to the rule listed first. It does no I/O: the shell records activity before
calling it and carries out (or, in dry-run mode, only reports) the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.events import ChatKind, Message, Right
from bot.moderation.i18n import translate
from bot.moderation.rules import Rule, RuleContext, Violation
from bot.moderation.sanctions import RuleAction


@dataclass(frozen=True, slots=True)
class Verdict:
    """What moderation decided about a message.

    `reason_key`/`reason_params` render in the chat's language with `reason(lang)`;
    `evidence` is the offending fragment of the message (a word as typed, a link),
    meant for the log chat and the case record; `span` locates it in `message.text`
    when it is there. `dry_run` says the chat only wants reports, not actions.
    `also` names other rules the message broke.
    """

    rule: str
    reason_key: str
    action: RuleAction
    dry_run: bool
    evidence: str = ""
    span: tuple[int, int] | None = None
    reason_params: Mapping[str, str] = field(default_factory=dict)
    also: tuple[str, ...] = ()

    def reason(self, lang: str | None) -> str:
        return translate(self.reason_key, lang, **self.reason_params)


def is_exempt(message: Message, ctx: RuleContext) -> bool:
    """Admins and bots are left alone unless the policy says otherwise; so are private
    chats and channels, which have no members to moderate."""
    if message.chat_kind is not ChatKind.GROUP:
        return True
    policy = ctx.compiled.policy
    if policy.exempt_admins and message.sender_rights and Right.ADMIN in message.sender_rights:
        return True
    return bool(policy.exempt_bots and message.sender is not None and message.sender.is_bot)


def evaluate(
    message: Message, ctx: RuleContext, rules: Sequence[Rule] | None = None
) -> Verdict | None:
    """The verdict on `message`, or None when it breaks no rule (or its sender is exempt).

    `rules` defaults to the rules the policy switches on (`CompiledPolicy.active_rules`).
    """
    if is_exempt(message, ctx):
        return None
    violations: list[Violation] = []
    for rule in ctx.compiled.active_rules if rules is None else rules:
        violation = rule(message, ctx)
        if violation is not None:
            violations.append(violation)
    if not violations:
        return None
    policy = ctx.compiled.policy
    chosen = max(
        enumerate(violations),
        key=lambda pair: (policy.action_for(pair[1].rule).severity, -pair[0]),
    )[1]
    return Verdict(
        rule=chosen.rule,
        reason_key=chosen.reason_key,
        action=policy.action_for(chosen.rule),
        dry_run=policy.dry_run,
        evidence=chosen.evidence,
        span=chosen.span,
        reason_params=chosen.reason_params,
        also=tuple(v.rule for v in violations if v is not chosen),
    )
