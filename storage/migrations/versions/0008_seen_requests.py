"""seen requests: signatures of admitted Slack requests, to refuse replays across processes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 12:00:00.000000

A replayed request (same signature, within Slack's five-minute window) used to be refused only
by the process that had seen it. The table is shared by every process on PostgreSQL; each
process prunes rows older than the window (storage/replays.py). SQLite keeps its claims in a
file beside the database, so there the table stays empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_requests",
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_seen_requests")),
    )
    op.create_index(
        op.f("ix_seen_requests_received_at"), "seen_requests", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_seen_requests_received_at"), table_name="seen_requests")
    op.drop_table("seen_requests")
