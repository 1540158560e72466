"""chat message ids: where a Telegram send lost in a crash can be looked for before it is sent again

Revision ID: 0009_chat_message_ids
Revises: 0008_member_joins
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models.base

revision: str = '0009_chat_message_ids'
down_revision: str | None = '0008_member_joins'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('chat_message_ids',
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('seen_at', bot.storage.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'chat_id', 'message_id', name=op.f('pk_chat_message_ids'))
    )
    with op.batch_alter_table('chat_message_ids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_message_ids_seen_at'), ['seen_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('probe_after', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('probe_after')
    with op.batch_alter_table('chat_message_ids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_message_ids_seen_at'))

    op.drop_table('chat_message_ids')
