"""the project's own model: training runs, predictions it wrote, label issues, suggestions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00.000000

- `label_models`: one row per training run (learning curve), the newest with the fitted model.
- `label_issues`: decided labels the model found unlikely, each sent to review once.
- `items.prediction_version`: which model version wrote the prediction (NULL: imported).
- `annotations.suggestion_shown`: the card showed the model's suggestion with this answer.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "label_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("fitted", sa.LargeBinary(), nullable=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_label_models_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_models")),
        sa.UniqueConstraint(
            "project_id", "version", name=op.f("uq_label_models_project_id_version")
        ),
    )
    op.create_table(
        "label_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("given", sa.JSON(), nullable=False),
        sa.Column("given_probability", sa.Float(), nullable=False),
        sa.Column("suggested", sa.JSON(), nullable=False),
        sa.Column("suggested_probability", sa.Float(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_label_issues_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_label_issues_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_label_issues_review_id_reviews"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_issues")),
        sa.UniqueConstraint("item_id", name=op.f("uq_label_issues_item_id")),
    )
    op.create_index(
        "ix_label_issues_project_found", "label_issues", ["project_id", "found_at"], unique=False
    )
    op.add_column("items", sa.Column("prediction_version", sa.Integer(), nullable=True))
    op.add_column(
        "annotations",
        sa.Column("suggestion_shown", sa.Boolean(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35) keeps the tables' partial indexes as they are.
    op.execute("ALTER TABLE annotations DROP COLUMN suggestion_shown")
    op.execute("ALTER TABLE items DROP COLUMN prediction_version")
    op.drop_index("ix_label_issues_project_found", table_name="label_issues")
    op.drop_table("label_issues")
    op.drop_table("label_models")
