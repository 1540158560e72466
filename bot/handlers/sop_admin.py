"""Staff commands of the SOP improvement loop: gaps, proposals, review, reload.

Agents see what customers asked that the SOP could not answer (`/gaps`) and
propose an answer (`/propose`) or a new way of asking an existing entry
(`/paraphrase`). Supervisors review (`/drafts`, `/approve`, `/editdraft`,
`/reject`); an approved draft answers customers at once, in every worker.
"""

from __future__ import annotations

from bot.actions import Send
from bot.events import Command
from bot.handlers.context import Context, Outcome
from bot.handlers.registry import CommandSpec
from bot.roles import Role
from bot.sop.improvement import gap_fingerprint, slug_for
from bot.sop.model import LANGUAGES
from bot.sop_sync import approved_changes
from bot.storage.models import SopDraft


async def record_gap(ctx: Context, text: str, language: str, outcome: str) -> None:
    """Count a customer question the SOP did not answer (masked), for `/gaps` and `bot sop gaps`."""
    masked = ctx.mask(text.strip())
    if not masked:
        return
    await ctx.tx.sop.record_gap(
        fingerprint=gap_fingerprint(masked), example=masked[:1000], language=language,
        outcome=outcome, now=ctx.now,
    )


def _say(command: Command, text: str, label: str) -> Outcome:
    return Outcome.done(label, Send(address=command.address, text=text))


def _split(text: str) -> tuple[str, str]:
    left, sep, right = text.partition("|")
    return left.strip(), right.strip() if sep else ""


def _detect(ctx: Context, text: str, fallback: str) -> str:
    decision = ctx.knowledge.decide(text, platform_language=fallback, default_language=fallback)
    return decision.language if decision.language in LANGUAGES else fallback


async def show_gaps(command: Command, ctx: Context) -> Outcome:
    language = await ctx.language_of(command.sender)
    limit = int(command.args[0]) if command.args and command.args[0].isdigit() else 10
    gaps = await ctx.tx.sop.top_gaps(min(limit, 50))
    if not gaps:
        return _say(command, ctx.t("sop.no_gaps", language), "gaps")
    lines = [ctx.t("sop.gaps_header", language)]
    lines += [f"#{gap.id} ×{gap.count} [{gap.language}] {gap.example[:120]}" for gap in gaps]
    lines.append(ctx.t("sop.gaps_hint", language))
    return _say(command, "\n".join(lines), "gaps")


async def _from_ticket(command: Command, ctx: Context) -> tuple[str, str]:
    """In a ticket's topic (or replying to its card), `/propose` alone takes the customer's last
    question and the agent's last answer from the ticket's transcript."""
    from bot.handoff.workspace import is_staff_chat, ticket_for

    if not is_staff_chat(command.address, ctx.settings):
        return "", ""
    ticket = await ticket_for(command, ctx)
    if ticket is None:
        return "", ""
    lines = await ctx.tx.tickets.transcript(ticket.id)
    answers = [line for line in lines if line.author == "agent"]
    if not answers:
        return "", ""
    asked = [line for line in lines if line.direction == "in" and line.id < answers[-1].id
             and not line.text.startswith("[") and not (line.outcome or "").startswith(("handoff", "csat"))]
    # Prefer what the SOP could not answer; else what the customer told the agent.
    missed = [line for line in asked if line.outcome in ("no_match", "clarify")]
    questions = missed or asked
    return (questions[-1].text if questions else ""), answers[-1].text


async def _gap_or_question(
    command: Command, ctx: Context, language: str, question: str
) -> tuple[int | None, str] | Outcome:
    """A number (`12`, `#12`) names a gap: its example is then the question. Else the words are."""
    if not question.lstrip("#").isdigit():
        return None, question
    gap = await ctx.tx.sop.gap(int(question.lstrip("#")))
    if gap is None:
        return _say(command, ctx.t("sop.unknown_gap", language, id=question), "unknown_gap")
    return gap.id, gap.example


async def _add_pending_draft(
    command: Command,
    ctx: Context,
    language: str,
    *,
    kind: str,
    questions: dict[str, list[str]],
    gap_id: int | None,
    entry_id: str | None = None,
    title: str | None = None,
    answers: dict[str, str] | None = None,
) -> Outcome:
    """Store a proposal for supervisors to review, signed by its author, and tell them its number."""
    draft = await ctx.tx.sop.add_draft(
        SopDraft(
            kind=kind,
            entry_id=entry_id,
            title=title,
            questions=questions,
            answers=answers or {},
            gap_id=gap_id,
            status="pending",
            proposed_by=command.sender.key if command.sender else "?",
            proposed_at=ctx.now,
        )
    )
    return _say(command, ctx.t("sop.proposed", language, id=draft.id), "proposed")


async def propose(command: Command, ctx: Context) -> Outcome:
    """/propose <gap id | question> | <answer>: a new entry, pending review.

    In a ticket, `/propose` alone proposes the customer's last question with the agent's answer.
    """
    language = await ctx.language_of(command.sender)
    question, answer = _split(command.arg_text) if command.args else await _from_ticket(command, ctx)
    if not question or not answer:
        return _say(command, ctx.t("sop.propose_usage", language), "propose_usage")
    found = await _gap_or_question(command, ctx, language, question)
    if isinstance(found, Outcome):
        return found
    gap_id, question = found
    question_language = _detect(ctx, question, language)
    answer_language = _detect(ctx, answer, question_language)
    return await _add_pending_draft(
        command,
        ctx,
        language,
        kind="entry",
        questions={question_language: [question]},
        gap_id=gap_id,
        title=question[:120],
        answers={answer_language: answer},
    )


async def paraphrase(command: Command, ctx: Context) -> Outcome:
    """/paraphrase <entry id> <gap id | question>: one more way customers ask an entry."""
    language = await ctx.language_of(command.sender)
    if len(command.args) < 2:
        return _say(command, ctx.t("sop.paraphrase_usage", language), "paraphrase_usage")
    entry_id, question = command.args[0], " ".join(command.args[1:]).strip()
    if ctx.knowledge.get(entry_id) is None:
        return _say(command, ctx.t("sop.unknown_entry", language, id=entry_id), "unknown_entry")
    found = await _gap_or_question(command, ctx, language, question)
    if isinstance(found, Outcome):
        return found
    gap_id, question = found
    questions = {_detect(ctx, question, language): [question]}
    return await _add_pending_draft(
        command, ctx, language, kind="paraphrase", questions=questions, gap_id=gap_id, entry_id=entry_id
    )


async def list_drafts(command: Command, ctx: Context) -> Outcome:
    language = await ctx.language_of(command.sender)
    drafts = await ctx.tx.sop.drafts("pending")
    if not drafts:
        return _say(command, ctx.t("sop.no_drafts", language), "drafts")
    lines = [ctx.t("sop.drafts_header", language)]
    for draft in drafts:
        question = next((q for qs in draft.questions.values() for q in qs), "")
        if draft.kind == "paraphrase":
            lines.append(f"#{draft.id} ≈ {draft.entry_id}: \"{question}\"")
        else:
            answer = next(iter(draft.answers.values()), "")
            lines.append(f"#{draft.id} + \"{question}\" → {answer[:160]}")
    lines.append(ctx.t("sop.drafts_hint", language))
    return _say(command, "\n".join(lines), "drafts")


async def _pending(command: Command, ctx: Context, language: str) -> SopDraft | Outcome:
    if not command.args or not command.args[0].lstrip("#").isdigit():
        return _say(command, ctx.t("sop.draft_id_needed", language, command=command.name), "usage")
    draft = await ctx.tx.sop.draft(int(command.args[0].lstrip("#")))
    if draft is None or draft.status != "pending":
        return _say(command, ctx.t("sop.no_such_draft", language, id=command.args[0]), "no_such_draft")
    return draft


async def approve(command: Command, ctx: Context) -> Outcome:
    """/approve <draft id> [entry id]: the draft answers customers from now on."""
    language = await ctx.language_of(command.sender)
    found = await _pending(command, ctx, language)
    if isinstance(found, Outcome):
        return found
    draft = found
    if draft.kind == "entry":
        taken = {entry.id for entry in ctx.knowledge.entries}
        wanted = command.args[1] if len(command.args) > 1 else None
        if wanted and wanted in taken:
            return _say(command, ctx.t("sop.entry_id_taken", language, id=wanted), "entry_id_taken")
        question = next((q for qs in draft.questions.values() for q in qs), "")
        draft.entry_id = wanted or slug_for(question, taken)
    await ctx.tx.sop.review(draft, status="approved", reviewer=_who(command), now=ctx.now)
    ctx.library.set_changes(await approved_changes(ctx.tx))
    ctx.library.generation = await ctx.tx.sop.bump_generation(ctx.now)
    return _say(command, ctx.t("sop.approved", language, id=draft.id, entry=draft.entry_id), "approved")


async def edit_draft(command: Command, ctx: Context) -> Outcome:
    """/editdraft <id> answer.en | text  (also question.id, title)."""
    language = await ctx.language_of(command.sender)
    found = await _pending(command, ctx, language)
    if isinstance(found, Outcome):
        return found
    draft = found
    field_spec, value = _split(" ".join(command.args[1:]))
    name, _, lang = field_spec.partition(".")
    if not value or name not in ("answer", "question", "title") or (name != "title" and lang not in LANGUAGES):
        return _say(command, ctx.t("sop.edit_usage", language), "edit_usage")
    if name == "answer":
        draft.answers = {**draft.answers, lang: value}
    elif name == "question":
        draft.questions = {**draft.questions, lang: [value]}
    else:
        draft.title = value
    return _say(command, ctx.t("sop.edited", language, id=draft.id), "edited")


async def reject(command: Command, ctx: Context) -> Outcome:
    language = await ctx.language_of(command.sender)
    found = await _pending(command, ctx, language)
    if isinstance(found, Outcome):
        return found
    reason = " ".join(command.args[1:]).strip()
    if not reason:
        return _say(command, ctx.t("sop.reject_reason_needed", language), "usage")
    await ctx.tx.sop.review(found, status="rejected", reviewer=_who(command), now=ctx.now, note=reason)
    return _say(command, ctx.t("sop.rejected", language, id=found.id), "rejected")


async def reload_sop(command: Command, ctx: Context) -> Outcome:
    language = await ctx.language_of(command.sender)
    result = await ctx.library.reload()
    if not result.ok:
        problems = "\n".join(str(problem) for problem in result.problems[:10])
        text = ctx.t("sop.reload_failed", language, count=len(result.problems), problems=problems)
        return _say(command, text, "sop_reload_failed")
    ctx.library.generation = await ctx.tx.sop.bump_generation(ctx.now)
    return _say(command, ctx.t("sop.reloaded", language, entries=result.entries), "sop_reloaded")


def _who(command: Command) -> str:
    return command.sender.key if command.sender else "?"


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("gaps", show_gaps, "sop.help_gaps", role=Role.AGENT, usage="[N]"),
    CommandSpec("propose", propose, "sop.help_propose", role=Role.AGENT,
                usage="<gap# | question> | <answer>  (in a ticket: no arguments)"),
    CommandSpec("paraphrase", paraphrase, "sop.help_paraphrase", role=Role.AGENT,
                usage="<entry-id> <gap# | question>"),
    CommandSpec("drafts", list_drafts, "sop.help_drafts", role=Role.SUPERVISOR),
    CommandSpec("approve", approve, "sop.help_approve", role=Role.SUPERVISOR, usage="<draft#> [entry-id]"),
    CommandSpec("editdraft", edit_draft, "sop.help_editdraft", role=Role.SUPERVISOR,
                usage="<draft#> answer.en|question.id|title | <text>"),
    CommandSpec("reject", reject, "sop.help_reject", role=Role.SUPERVISOR, usage="<draft#> <reason>"),
    CommandSpec("reload", reload_sop, "sop.help_reload", role=Role.SUPERVISOR),
)
