"""A tenant's quarterly meetings and the settings of its challenge cycle.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-04 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Tenants stored before this revision have no meetings and no challenge cycle (NULL). In place on
    # SQLite too: a batch copy of the tenant table cannot drop the old one while people refer to it.
    with op.batch_alter_table("tenant", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("quarterly_meetings", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("challenges", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenant", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("challenges")
        batch_op.drop_column("quarterly_meetings")
