"""adaptive overlap: label confidence, fitted consensus models, annotator quarantines

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 11:00:00.000000

- `items.label_confidence`: how sure a decision is (top share, posterior, 1.0 for gold).
  Existing decided items get theirs: 1.0 for gold, NULL otherwise (recomputed for items
  decided from now on).
- `consensus_models`: one row per Dawid–Skene fit of a project (the newest is used).
- `quarantines`: annotators who get no items until a lead releases them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("label_confidence", sa.Float(), nullable=True))
    op.execute("UPDATE items SET label_confidence = 1.0 WHERE final_method = 'gold'")
    op.create_table(
        "consensus_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_consensus_models_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_models")),
        sa.UniqueConstraint(
            "project_id", "version", name=op.f("uq_consensus_models_project_id_version")
        ),
    )
    op.create_table(
        "quarantines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("annotator", sa.String(length=64), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_quarantines_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantines")),
    )
    op.create_index(
        "uq_quarantines_active",
        "quarantines",
        ["project_id", "annotator"],
        unique=True,
        sqlite_where=sa.text("released_at IS NULL"),
        postgresql_where=sa.text("released_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_quarantines_active", table_name="quarantines")
    op.drop_table("quarantines")
    op.drop_table("consensus_models")
    # Plain DROP COLUMN (SQLite >= 3.35): batch mode would rebuild `items` and lose the
    # full-text triggers of migration 0003.
    op.execute("ALTER TABLE items DROP COLUMN label_confidence")
