"""All tables, imported in one place so Alembic and `Base.metadata` see every one."""

from bot.storage.models.adapters import DeliveryStatusRecord, WhatsAppContact
from bot.storage.models.base import Base
from bot.storage.models.core import Chat, ChatMessageId, OutboxItem, PersonRecord, ProcessedUpdate, StaffRole, Timer
from bot.storage.models.handoff import (
    AgentStatusChange,
    StaffMessage,
    Ticket,
    TicketEvent,
    TicketRating,
)
from bot.storage.models.moderation import (
    ChatModeration,
    MemberJoin,
    ModerationAppeal,
    ModerationCase,
    ModerationWarning,
    PendingCaptcha,
)
from bot.storage.models.sop import SharedState, SopDraft, SopGap
from bot.storage.models.support import ConversationState, TranscriptLine

__all__ = [
    "AgentStatusChange",
    "Base",
    "Chat",
    "ChatMessageId",
    "ChatModeration",
    "ConversationState",
    "DeliveryStatusRecord",
    "MemberJoin",
    "ModerationAppeal",
    "ModerationCase",
    "ModerationWarning",
    "OutboxItem",
    "PendingCaptcha",
    "PersonRecord",
    "ProcessedUpdate",
    "SharedState",
    "SopDraft",
    "SopGap",
    "StaffMessage",
    "StaffRole",
    "Ticket",
    "TicketEvent",
    "TicketRating",
    "Timer",
    "TranscriptLine",
    "WhatsAppContact",
]
