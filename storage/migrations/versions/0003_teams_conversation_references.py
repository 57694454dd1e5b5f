"""Teams: conversation references, so the bot can write to people and channels it has met.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:10:46.246547
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "teams_conversation_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel_key", AutoString(length=200), nullable=True),
        sa.Column("teams_user_id", AutoString(length=200), nullable=True),
        sa.Column("aad_object_id", AutoString(length=64), nullable=True),
        sa.Column("conversation_id", AutoString(length=500), nullable=False),
        sa.Column("service_url", AutoString(length=500), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "channel_key"),
        sa.UniqueConstraint("tenant_id", "teams_user_id"),
    )
    with op.batch_alter_table("teams_conversation_reference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teams_conversation_reference_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("teams_conversation_reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_conversation_reference_tenant_id"))

    op.drop_table("teams_conversation_reference")
