"""Initial schema: tenants, people, sparring requests, outbox, dialogues, console state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 22:30:55.852717
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "app_state",
        sa.Column("key", AutoString(length=100), nullable=False),
        sa.Column("value", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "tenant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", AutoString(length=40), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("language", AutoString(length=2), nullable=False),
        sa.Column("timezone", AutoString(length=64), nullable=False),
        sa.Column("agreed_hours_per_quarter", sa.Float(), nullable=False),
        sa.Column("response_hours", sa.Float(), nullable=False),
        sa.Column("over_quota", AutoString(length=20), nullable=False),
        sa.Column("business_start", AutoString(length=5), nullable=False),
        sa.Column("business_end", AutoString(length=5), nullable=False),
        sa.Column("slack_team_id", AutoString(length=40), nullable=True),
        sa.Column("teams_tenant_id", AutoString(length=64), nullable=True),
        sa.Column("extra_areas", sa.JSON(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slack_team_id"),
        sa.UniqueConstraint("slug"),
        sa.UniqueConstraint("teams_tenant_id"),
    )
    op.create_table(
        "console_transcript",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("recipient", AutoString(length=254), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("ref", AutoString(length=20), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_transcript", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_transcript_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("email", AutoString(length=254), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("language", AutoString(length=2), nullable=True),
        sa.Column("external", sa.Boolean(), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("capacity_hours_per_month", sa.Float(), nullable=False),
        sa.Column("absences", sa.JSON(), nullable=False),
        sa.Column("slack_id", AutoString(length=40), nullable=True),
        sa.Column("teams_id", AutoString(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "email"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index("ix_person_slack", ["tenant_id", "slack_id"], unique=False)
        batch_op.create_index("ix_person_teams", ["tenant_id", "teams_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "dialogue",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("channel", AutoString(length=200), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("ref", AutoString(length=20), nullable=True),
        sa.Column("dedupe_key", AutoString(length=200), nullable=True),
        sa.Column("state", AutoString(length=10), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", AutoString(length=36), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("platform_message_id", AutoString(length=200), nullable=True),
        sa.Column("last_error", AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["state", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "sparring_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.Column("area", AutoString(length=40), nullable=True),
        sa.Column("urgency", AutoString(length=10), nullable=False),
        sa.Column("status", AutoString(length=20), nullable=False),
        sa.Column("senior_id", sa.Integer(), nullable=True),
        sa.Column("preferred_senior_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("offered_at", UTCDateTime(), nullable=True),
        sa.Column("escalate_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("held_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", AutoString(), nullable=True),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("tried_senior_ids", sa.JSON(), nullable=False),
        sa.Column("routing_reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["preferred_senior_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["senior_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number"),
    )
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.create_index("ix_request_created", ["tenant_id", "created_at"], unique=False)
        batch_op.create_index("ix_request_escalate", ["status", "escalate_at"], unique=False)
        batch_op.create_index("ix_request_held", ["tenant_id", "held_at", "hours"], unique=False)
        batch_op.create_index("ix_request_senior_status", ["tenant_id", "senior_id", "status"], unique=False)
        batch_op.create_index(
            "ix_request_senior_held", ["tenant_id", "senior_id", "held_at", "hours"], unique=False
        )
        batch_op.create_index(
            "ix_request_requester_area", ["tenant_id", "requester_id", "area", "accepted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sparring_request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_requester_area")
        batch_op.drop_index("ix_request_senior_held")
        batch_op.drop_index("ix_request_senior_status")
        batch_op.drop_index("ix_request_held")
        batch_op.drop_index("ix_request_escalate")
        batch_op.drop_index("ix_request_created")

    op.drop_table("sparring_request")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_tenant_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    op.drop_table("dialogue")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_tenant_id"))
        batch_op.drop_index("ix_person_teams")
        batch_op.drop_index("ix_person_slack")

    op.drop_table("person")
    with op.batch_alter_table("console_transcript", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_transcript_tenant_id"))

    op.drop_table("console_transcript")
    op.drop_table("tenant")
    op.drop_table("app_state")
