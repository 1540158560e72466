"""delivery: who holds an outbox lease, when its platform call began; status callback data

Revision ID: 0006_delivery
Revises: 0005_moderation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models.base

revision: str = '0006_delivery'
down_revision: str | None = '0005_moderation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('attempt_started_at', bot.storage.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('delivery_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('callback_data', sa.String(length=512), nullable=True))
        batch_op.create_index('ix_delivery_statuses_callback', ['platform', 'callback_data'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('delivery_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_statuses_callback')
        batch_op.drop_column('callback_data')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('attempt_started_at')
        batch_op.drop_column('claimed_by')
