"""A partial index of the open requests per senior, for the routing loads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:58:22.997263
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_request_open_per_senior",
            ["tenant_id", "senior_id"],
            unique=False,
            sqlite_where=sa.text("status IN ('offered', 'accepted')"),
            postgresql_where=sa.text("status IN ('offered', 'accepted')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_request_open_per_senior",
            sqlite_where=sa.text("status IN ('offered', 'accepted')"),
            postgresql_where=sa.text("status IN ('offered', 'accepted')"),
        )
