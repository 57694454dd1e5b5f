"""Quarterly challenges and their votes (a set of ballot marks); the reaction table goes.

Revision ID: 0008
Revises: 0007
Create Date: 2027-01-11 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Tenants stored before this revision start their challenge numbers at 1, as new ones do. In place
    # on SQLite too: a batch copy of the tenant table cannot drop the old one while people and requests
    # refer to it (foreign keys are on).
    with op.batch_alter_table("tenant", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("next_challenge_number", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )

    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("text", AutoString(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("meeting", AutoString(length=40), nullable=False),
        sa.Column("state", AutoString(length=20), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("counted_from", UTCDateTime(), nullable=True),
        sa.Column("decision", AutoString(length=20), nullable=True),
        sa.Column("reason", AutoString(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("sparring_number", sa.Integer(), nullable=True),
        sa.Column("method_version", AutoString(length=80), nullable=True),
        sa.Column("method_done_at", UTCDateTime(), nullable=True),
        sa.Column("earlier", sa.JSON(), nullable=False),
        sa.Column("post_key", AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.ForeignKeyConstraint(["submitter_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "number"),
        sa.UniqueConstraint("post_key"),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index("ix_challenge_meeting", ["tenant_id", "meeting"], unique=False)
        batch_op.create_index("ix_challenge_state", ["tenant_id", "state"], unique=False)

    op.create_table(
        "challenge_vote",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", AutoString(length=200), nullable=False),
        sa.Column("ballot", AutoString(length=100), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenge.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("challenge_id", "voter_key", "ballot"),
    )

    # Nothing ever read the stored reactions: the votes on a challenge's post replace them, so there
    # is nothing to carry over.
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reaction_tenant_id"))
    op.drop_table("reaction")


def downgrade() -> None:
    op.create_table(
        "reaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("user_key", AutoString(length=200), nullable=False),
        sa.Column("emoji", AutoString(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outbox_id", "user_key", "emoji"),
    )
    with op.batch_alter_table("reaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reaction_tenant_id"), ["tenant_id"], unique=False)

    op.drop_table("challenge_vote")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_state")
        batch_op.drop_index("ix_challenge_meeting")
    op.drop_table("challenge")

    # In place, as it was added (SQLite has DROP COLUMN since 3.35, which RETURNING needs anyway).
    with op.batch_alter_table("tenant", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("next_challenge_number")
