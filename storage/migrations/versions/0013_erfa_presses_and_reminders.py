"""The time of a person's latest press of their ERFA answer, and how far a meeting's reminders went out.

``erfa_answer.pressed_at``: a press arriving late (Slack and Teams retry and deliver in parallel) must lose
to any later press of the same person, also to a repeat of the answer they hold; the held answer's own time
stays their place in the queue. Existing answers had no later press kept: theirs is the answer's time.

``erfa_record.reminded_until``: the channel reminders due up to this moment are handled, so an idle tick
needs no outbox lookups. NULL for existing records, whose tick then looks in the outbox as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("erfa_answer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pressed_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE erfa_answer SET pressed_at = at")
    with op.batch_alter_table("erfa_answer", schema=None) as batch_op:
        batch_op.alter_column("pressed_at", existing_type=UTCDateTime(), nullable=False)
    with op.batch_alter_table("erfa_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("erfa_record", schema=None) as batch_op:
        batch_op.drop_column("reminded_until")
    with op.batch_alter_table("erfa_answer", schema=None) as batch_op:
        batch_op.drop_column("pressed_at")
