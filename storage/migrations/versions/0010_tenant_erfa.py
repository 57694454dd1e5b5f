"""A tenant's half-yearly ERFA meetings and where they are announced.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Tenants stored before this revision have no ERFA meetings ('[]', NULL). In place on SQLite, as in
    # 0007: a batch copy of the tenant table cannot drop the old one while people refer to it.
    with op.batch_alter_table("tenant", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("erfa", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(
            sa.Column("erfa_meetings", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("tenant", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("erfa_meetings")
        batch_op.drop_column("erfa")
