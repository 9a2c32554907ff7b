"""Full-text search over items, on the database's own index (see migration 0003).

The searchable text of an item is every string value in its `data` JSON. SQLite answers from
the FTS5 table `items_fts` ranked by bm25; PostgreSQL from the GIN expression index on
`to_tsvector('simple', data)` ranked by ts_rank; any other database falls back to LIKE.
A search matches items containing every word (AND). The user's words are data, never query
syntax: they are bound parameters, and for FTS5 each word is a quoted string, so `OR`, `*`,
`NEAR(`, `"` or `col:` in a search are just characters to look for.
"""

from __future__ import annotations

from collections.abc import Collection

from alembic.runtime.environment import NameFilterParentNames, NameFilterType
from sqlalchemy import String, bindparam, cast, select, text
from sqlalchemy.orm import Session

from storage.models import Item

FTS_TABLE = "items_fts"
POSTGRES_INDEX = "ix_items_search"
MAX_TERMS = 16
MAX_TERM_LENGTH = 100
DEFAULT_LIMIT = 10


def is_search_index_object(name: str | None, type_: str) -> bool:
    """True for the search index's own schema objects (FTS5 table and its shadow tables, the
    PostgreSQL expression index), which the models cannot describe."""
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    return type_ == "index" and name == POSTGRES_INDEX


def include_name(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    """Alembic autogenerate filter: leave the search index to migration 0003, so a generated
    revision never proposes dropping it and the drift check compares only modelled objects."""
    return not is_search_index_object(name, type_)


def search_terms(query: str) -> list[str]:
    """The words to look for: whitespace-separated, each with at least one letter or digit
    (a word of punctuation alone has no token for either index to match)."""
    words = [w[:MAX_TERM_LENGTH] for w in query.split()]
    return [w for w in words if any(ch.isalnum() for ch in w)][:MAX_TERMS]


def fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression where every term is a quoted string: implicit AND, no syntax."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def search_item_ids(
    session: Session, *, project_ids: Collection[int], query: str, limit: int = DEFAULT_LIMIT
) -> list[int]:
    """Ids of the best-matching items in the given projects, best first."""
    terms = search_terms(query)
    if not terms or not project_ids:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _sqlite_fts(session, list(project_ids), terms, limit)
    if dialect == "postgresql":
        return _postgres_tsquery(session, list(project_ids), terms, limit)
    return like_search(session, list(project_ids), terms, limit)


def _sqlite_fts(
    session: Session, project_ids: list[int], terms: list[str], limit: int
) -> list[int]:
    statement = text(
        f"SELECT items.id FROM {FTS_TABLE} JOIN items ON items.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH :match AND items.project_id IN :projects "
        f"ORDER BY bm25({FTS_TABLE}), items.id LIMIT :limit"
    ).bindparams(bindparam("projects", expanding=True))
    rows = session.execute(
        statement, {"match": fts5_query(terms), "projects": project_ids, "limit": limit}
    )
    return [int(row[0]) for row in rows]


def _postgres_tsquery(
    session: Session, project_ids: list[int], terms: list[str], limit: int
) -> list[int]:
    # The tsvector expression must be written exactly as in the index for the index to be used.
    # ts_rank normalization 1 divides by 1 + log(length), so long items do not win by size.
    statement = text(
        "SELECT items.id FROM items, plainto_tsquery('simple'::regconfig, :words) AS query "
        "WHERE to_tsvector('simple'::regconfig, items.data) @@ query "
        "AND items.project_id IN :projects "
        "ORDER BY ts_rank(to_tsvector('simple'::regconfig, items.data), query, 1) DESC, "
        "items.id LIMIT :limit"
    ).bindparams(bindparam("projects", expanding=True))
    rows = session.execute(
        statement, {"words": " ".join(terms), "projects": project_ids, "limit": limit}
    )
    return [int(row[0]) for row in rows]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def like_search(
    session: Session, project_ids: list[int], terms: list[str], limit: int
) -> list[int]:
    """Portable fallback: every term as a case-insensitive substring of the JSON text, newest
    items first (LIKE has no relevance to rank by)."""
    document = cast(Item.data, String)
    query = select(Item.id).where(Item.project_id.in_(project_ids))
    for term in terms:
        query = query.where(document.ilike(_like_pattern(term), escape="\\"))
    return list(session.scalars(query.order_by(Item.id.desc()).limit(limit)))
