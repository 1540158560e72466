"""member joins: when members joined a chat, for the newcomer-links rule across restarts and workers

Revision ID: 0008_member_joins
Revises: 0005_moderation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models.base

revision: str = '0008_member_joins'
down_revision: str | None = '0007_handoff'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('moderation_member_joins',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=False),
    sa.Column('user_id', sa.String(length=128), nullable=False),
    sa.Column('joined_at', bot.storage.models.base.UTCDateTime(), nullable=False),
    sa.Column('noted_at', bot.storage.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'chat_id', 'user_id', name=op.f('pk_moderation_member_joins'))
    )
    with op.batch_alter_table('moderation_member_joins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_member_joins_noted_at'), ['noted_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('moderation_member_joins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_member_joins_noted_at'))

    op.drop_table('moderation_member_joins')
