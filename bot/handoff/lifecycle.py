"""The ticket lifecycle as one pure function: a state and a move give a new state or a refusal.

    queued ──take / agent replies──> assigned ──agent replies──> waiting (on the customer)
      ^  \\                           │  ^                          │
      │   └────── transfer to agent ──┘  └──── customer writes ─────┘
      └── release / transfer to team ──┘
    any open state ──close──> resolved ──reopen──> assigned (same agent, if online) or queued

The shell (`bot.handoff.tickets`) stores every transition with its time and actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    WAITING = "waiting"  # the agent answered; the customer's turn
    RESOLVED = "resolved"


OPEN_STATUSES: frozenset[Status] = frozenset({Status.QUEUED, Status.ASSIGNED, Status.WAITING})


class Move(StrEnum):
    TAKE = "taken"
    RELEASE = "released"
    TRANSFER_TO_AGENT = "transferred"
    TRANSFER_TO_TEAM = "transferred_to_team"
    AGENT_REPLIED = "agent_replied"
    CUSTOMER_WROTE = "customer_wrote"
    CLOSE = "closed"
    REOPEN = "reopened"


@dataclass(frozen=True, slots=True)
class TicketState:
    status: Status
    assignee: str | None = None  # person key of the agent who owns the ticket
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a move is not possible; `reason` names a message (`handoff.refused_<reason>`)."""

    reason: str


def decide(
    state: TicketState,
    move: Move,
    *,
    actor: str,
    target: str | None = None,
    override: bool = False,
    target_online: bool = False,
) -> TicketState | Refused:
    """The state after `actor` makes `move`.

    `target` is the agent or team of a transfer; `override` lets a supervisor take a
    ticket another agent owns; `target_online` says whether the previous agent is
    online when a ticket reopens (else it goes back to the queue).
    """
    status = state.status
    if move is Move.REOPEN:
        if status is not Status.RESOLVED:
            return state
        if state.assignee and target_online:
            return TicketState(Status.ASSIGNED, state.assignee, state.team)
        return TicketState(Status.QUEUED, None, state.team)
    if status is Status.RESOLVED:
        return Refused("closed")
    if move is Move.TAKE:
        if state.assignee == actor:
            return Refused("already_yours")
        if state.assignee and not override:
            return Refused("taken_by_other")
        return TicketState(Status.ASSIGNED, actor, state.team)
    if move is Move.RELEASE:
        if state.assignee is None:
            return Refused("not_assigned")
        if state.assignee != actor and not override:
            return Refused("not_yours")
        return TicketState(Status.QUEUED, None, state.team)
    if move is Move.TRANSFER_TO_AGENT:
        if not target:
            return Refused("no_target")
        if target == state.assignee:
            return Refused("already_theirs")
        return TicketState(Status.ASSIGNED, target, state.team)
    if move is Move.TRANSFER_TO_TEAM:
        if not target:
            return Refused("no_target")
        return TicketState(Status.QUEUED, None, target)
    if move is Move.AGENT_REPLIED:
        return TicketState(Status.WAITING, state.assignee or actor, state.team)
    if move is Move.CUSTOMER_WROTE:
        if status is Status.WAITING:
            return TicketState(Status.ASSIGNED, state.assignee, state.team)
        return state
    if move is Move.CLOSE:
        return TicketState(Status.RESOLVED, state.assignee or actor, state.team)
    raise ValueError(f"unknown move {move!r}")
