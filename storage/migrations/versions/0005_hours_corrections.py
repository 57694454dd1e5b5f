"""The history of corrections to a held session's hours.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # The server default gives the requests stored before this revision an empty history.
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hours_corrections", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.drop_column("hours_corrections")
