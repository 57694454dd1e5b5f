"""Platform lookups per tenant: processed events carry their tenant, posted messages are found within it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def _processed_event(*tenant: sa.Column[int]) -> None:
    keys = [column.name for column in tenant] + ["platform", "event_id"]
    op.create_table(
        "processed_event",
        *tenant,
        sa.Column("platform", AutoString(length=10), nullable=False),
        sa.Column("event_id", AutoString(length=200), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        *([sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"])] if tenant else []),
        sa.PrimaryKeyConstraint(*keys),
    )
    with op.batch_alter_table("processed_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_event_received_at"), ["received_at"], unique=False)


def upgrade() -> None:
    # The stored event ids have no tenant and only serve to drop redeliveries, which platforms make
    # within minutes: the table starts again empty rather than guessing a tenant for each.
    op.drop_table("processed_event")
    _processed_event(sa.Column("tenant_id", sa.Integer(), nullable=False))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_message")
        batch_op.create_index(
            "ix_outbox_platform_message", ["tenant_id", "platform_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_message")
        batch_op.create_index("ix_outbox_platform_message", ["platform_message_id"], unique=False)
    op.drop_table("processed_event")
    _processed_event()
