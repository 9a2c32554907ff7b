"""item search: full-text index over the string values of items.data

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00.000000

The indexed text is every string value in `items.data`, at any depth (display fields,
metadata, message text), so the index maintains itself whichever path writes items (ORM,
bulk import, message shortcuts) and needs no application code.

- SQLite: a contentless FTS5 table `items_fts` (rowid = items.id) kept in step by triggers.
  Contentless halves the storage; its `delete` command needs the old text, which the triggers
  recompute from `old.data` (a pure function of the row, so it always matches).
- PostgreSQL: an expression GIN index on `to_tsvector('simple', data)`; `to_tsvector` over
  `json` reads string values only, the same rule as on SQLite.

Both backends match the same way: whole words, case-insensitive, accents significant, no
stemming (`simple` / `unicode61 remove_diacritics 0`), which suits text in any language.

Existing rows are indexed here: the FTS table is filled from `items`, and PostgreSQL builds
the GIN index over the rows already present.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_TABLE = "items_fts"
TRIGGERS = ("items_fts_after_insert", "items_fts_after_update", "items_fts_after_delete")
PG_INDEX = "ix_items_search"


def _text_of(row: str) -> str:
    """SQL for the searchable text of an items row: its JSON string values, space-separated."""
    return (
        f"(SELECT group_concat(j.atom, ' ') FROM json_tree({row}.data) AS j WHERE j.type = 'text')"
    )


def _sqlite_upgrade() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        "body, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    insert_new = f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.id, {_text_of('new')});"
    delete_old = (
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) "
        f"VALUES ('delete', old.id, {_text_of('old')});"
    )
    op.execute(f"CREATE TRIGGER {TRIGGERS[0]} AFTER INSERT ON items BEGIN {insert_new} END")
    op.execute(
        f"CREATE TRIGGER {TRIGGERS[1]} AFTER UPDATE OF data ON items "
        f"BEGIN {delete_old} {insert_new} END"
    )
    op.execute(f"CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON items BEGIN {delete_old} END")
    op.execute(
        f"INSERT INTO {FTS_TABLE}(rowid, body) SELECT items.id, {_text_of('items')} FROM items"
    )


def _sqlite_downgrade() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        op.execute(
            f"CREATE INDEX {PG_INDEX} ON items USING gin (to_tsvector('simple'::regconfig, data))"
        )


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
