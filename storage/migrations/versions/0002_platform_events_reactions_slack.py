"""Platforms: processed events (replays), reactions on bot messages, Slack installations and OAuth states.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 22:58:03.065752
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "processed_event",
        sa.Column("platform", AutoString(length=10), nullable=False),
        sa.Column("event_id", AutoString(length=200), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "event_id"),
    )
    with op.batch_alter_table("processed_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_event_received_at"), ["received_at"], unique=False)

    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", AutoString(length=40), nullable=True),
        sa.Column("enterprise_id", AutoString(length=40), nullable=True),
        sa.Column("team_id", AutoString(length=40), nullable=True),
        sa.Column("team_name", AutoString(length=200), nullable=True),
        sa.Column("bot_id", AutoString(length=40), nullable=True),
        sa.Column("bot_user_id", AutoString(length=40), nullable=True),
        sa.Column("bot_scopes", AutoString(length=1000), nullable=True),
        sa.Column("bot_token_encrypted", AutoString(), nullable=False),
        sa.Column("installer_user_id", AutoString(length=40), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_id", "team_id"),
    )
    with op.batch_alter_table("slack_installation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_installation_team_id"), ["team_id"], unique=False)

    op.create_table(
        "slack_oauth_state",
        sa.Column("state", AutoString(length=200), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_table(
        "reaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("user_key", AutoString(length=200), nullable=False),
        sa.Column("emoji", AutoString(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outbox_id", "user_key", "emoji"),
    )
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reaction_tenant_id"), ["tenant_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_platform_message", ["platform_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_message")

    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reaction_tenant_id"))

    op.drop_table("reaction")
    op.drop_table("slack_oauth_state")
    with op.batch_alter_table("slack_installation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_installation_team_id"))

    op.drop_table("slack_installation")
    with op.batch_alter_table("processed_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_event_received_at"))

    op.drop_table("processed_event")
