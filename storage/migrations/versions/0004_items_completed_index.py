"""items completed index: (project_id, completed_at) for completions per day and per week

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 00:15:00.000000

Stats throughput counts a project's completions per local day, and the weekly digest samples
items completed in a window; both filter on `completed_at` within one project, which no
index covered (SQLite scanned the whole items table for the daily counts).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An index needs no batch mode on SQLite: plain DDL leaves `items` and migration 0003's
    # full-text triggers untouched.
    op.create_index("ix_items_project_completed", "items", ["project_id", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_items_project_completed", table_name="items")
