"""handoff: every CSAT rating kept, customers paused by a supervisor, files in the transcript

Revision ID: 0007_handoff
Revises: 0005_moderation
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models.base

revision: str = '0007_handoff'
down_revision: str | None = '0006_delivery'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ticket_ratings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('closed_at', bot.storage.models.base.UTCDateTime(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('at', bot.storage.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_ratings'))
    )
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_ratings_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_ratings_ticket_id'), ['ticket_id'], unique=False)

    # Ratings given before this revision: the ticket's last one, for its last closing.
    op.execute(
        "INSERT INTO ticket_ratings (ticket_id, closed_at, score, at) "
        "SELECT id, resolved_at, csat_score, COALESCE(csat_answered_at, resolved_at) FROM tickets "
        "WHERE csat_score IS NOT NULL AND resolved_at IS NOT NULL"
    )

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_until', bot.storage.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('blocked_by', sa.String(length=160), nullable=True))

    with op.batch_alter_table('transcript', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('transcript', schema=None) as batch_op:
        batch_op.drop_column('attachment')

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('blocked_by')
        batch_op.drop_column('blocked_until')

    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_ratings_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_ratings_closed_at'))

    op.drop_table('ticket_ratings')
