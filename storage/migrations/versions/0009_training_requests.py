"""Training in the method: a sparring request that is a training session, approved by the coordinator.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # In place on SQLite too (no batch copy, which foreign keys to the requests would block); the
    # requests stored before this revision are sparring, not training.
    with op.batch_alter_table("sparring_request", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("training", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("sparring_request", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("training")
