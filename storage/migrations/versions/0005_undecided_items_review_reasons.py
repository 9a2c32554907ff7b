"""undecided items carry no label; a review lists every reason; stale review posts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:30:00.000000

- `reviews.reasons`: every reason an item was held for, in order (an Unsure answer, then a
  disagreement on the same item, is one review with both). Existing rows get `[reason]`.
- `reviews.post_stale`: the review post shows less than the item has; the publisher updates
  it in place.
- Items in review had kept the first answer as a "consensus" label; an undecided item has no
  final label or method, so those are cleared.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch mode): SQLite accepts it with a constant default, and the
    # reviews table keeps its partial indexes untouched.
    op.add_column("reviews", sa.Column("reasons", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column(
        "reviews", sa.Column("post_stale", sa.Boolean(), nullable=False, server_default="0")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE reviews SET reasons = json_build_array(reason)")
    else:
        op.execute("UPDATE reviews SET reasons = json_array(reason)")
    op.execute(
        "UPDATE items SET final_label = NULL, final_method = NULL, completed_at = NULL "
        "WHERE status = 'in_review'"
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35) keeps the partial indexes on reviews as they are.
    op.execute("ALTER TABLE reviews DROP COLUMN post_stale")
    op.execute("ALTER TABLE reviews DROP COLUMN reasons")
