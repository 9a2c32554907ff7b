"""channel posts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:16:51.148051
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_channel_posts_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_channel_posts_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_posts")),
        sa.UniqueConstraint("item_id", "channel", name=op.f("uq_channel_posts_item_id_channel")),
    )
    with op.batch_alter_table("channel_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_posts_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_posts_project_id"))

    op.drop_table("channel_posts")
