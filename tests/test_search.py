"""Item search: ranking, limits, input that looks like query syntax, visibility, and the
index itself (migration 0003 up and down, existing rows, kept in step with the items)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.dataio.item_import import import_items
from bot.slack.ids import Action
from storage import migrate, search
from storage.db import make_engine, make_session_factory, unit_of_work
from storage.models import Item, Project
from tests.factories import add_items, create_project, make_spec
from tests.harness import BotHarness, all_text, button

ANNOTATOR = "U0ANNOT001"
OUTSIDER = "U0OUTSIDE1"


def add(bot: BotHarness, project_id: int, texts: list[str], **fields: object) -> list[int]:
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        return add_items(session, project, texts, **fields)


def ids_for(session: Session, project_ids: list[int], query: str, limit: int = 10) -> list[int]:
    return search.search_item_ids(session, project_ids=project_ids, query=query, limit=limit)


@pytest.fixture
def project(bot: BotHarness) -> int:
    with bot.session() as session:
        return create_project(session, make_spec()).id


def test_the_item_with_more_of_the_words_ranks_first(bot: BotHarness, project: int) -> None:
    long_one, unrelated, short_one = add(
        bot,
        project,
        [
            "I asked for a refund because the kettle arrived broken and the box was torn",
            "Lovely service, would buy again",
            "Refund! Refund! Refund please",
        ],
    )

    with bot.session() as session:
        assert ids_for(session, [project], "refund") == [short_one, long_one]
        assert ids_for(session, [project], "REFUND kettle") == [long_one]
        assert ids_for(session, [project], "refund unicorn") == []
        assert unrelated not in ids_for(session, [project], "refund")


def test_search_matches_whole_words_of_any_string_value_ignoring_case(
    bot: BotHarness, project: int
) -> None:
    [item] = add(
        bot,
        project,
        ["Café au lait"],
        data={"product": "Espresso machine", "nested": {"note": "descaling"}},
    )

    with bot.session() as session:
        for query in ("CAFÉ", "espresso", "descaling", "LAIT"):
            assert ids_for(session, [project], query) == [item], query
        for query in ("cafe", "espress", "machines"):  # accents count; no prefixes or stems
            assert ids_for(session, [project], query) == [], query


NO_MATCH = [
    '"',
    '"kettle nothing"',
    "kettle OR nothing",
    "NEAR(kettle broken)",
    "body:kettle",
    "kettle AND",
    "'; DROP TABLE items; --",
    "kettle') OR 1=1 --",
    "%",
    "_",
    "\\",
    "k*",
]
ONLY_KETTLE = ["-kettle", "^kettle", "{kettle}", "kettle*", '""kettle', "(kettle)", "kettle:"]


@pytest.mark.parametrize("query", NO_MATCH + ONLY_KETTLE)
def test_query_syntax_characters_are_searched_for_not_interpreted(
    bot: BotHarness, project: int, query: str
) -> None:
    """Interpreted, these would be FTS5 operators, prefixes, column filters or SQL; as data
    they are words (punctuation dropped): either one no item holds, or just `kettle`."""
    kettle, _ = add(bot, project, ["kettle broken", "nothing here"])

    with bot.session() as session:
        found = ids_for(session, [project], query)
        count = session.scalar(select(func.count(Item.id)))

    assert found == ([kettle] if query in ONLY_KETTLE else []), query
    assert count == 2


def test_a_quoted_word_and_an_apostrophe_match_literally(bot: BotHarness, project: int) -> None:
    obrien, kettle = add(bot, project, ["Mr O'Brien called about his order", "kettle broken"])

    with bot.session() as session:
        assert ids_for(session, [project], "O'Brien") == [obrien]
        assert ids_for(session, [project], '"kettle"') == [kettle]


def test_results_are_limited_and_confined_to_the_given_projects(bot: BotHarness) -> None:
    with bot.session() as session:
        mine = create_project(session, make_spec("mine"))
        theirs = create_project(session, make_spec("theirs"))
        add_items(session, mine, [f"parcel number {n}" for n in range(12)])
        add_items(session, theirs, ["parcel elsewhere"])

    with bot.session() as session:
        found = ids_for(session, [mine.id], "parcel")
        owners = set(session.scalars(select(Item.project_id).where(Item.id.in_(found))))
        assert len(found) == 10 and owners == {mine.id}
        assert ids_for(session, [], "parcel") == []


def test_the_index_follows_updates_and_deletes(bot: BotHarness, project: int) -> None:
    first, second = add(bot, project, ["old words", "stays"])
    with bot.session() as session:
        item = session.get(Item, first)
        assert item is not None
        item.data = {"text": "new words"}
        session.delete(session.get(Item, second))

    with bot.session() as session:
        assert ids_for(session, [project], "old") == []
        assert ids_for(session, [project], "new words") == [first]
        assert ids_for(session, [project], "stays") == []
        session.delete(session.get(Project, project))
    with bot.session() as session:
        assert ids_for(session, [project], "new") == []


def test_the_like_fallback_escapes_wildcards(bot: BotHarness, project: int) -> None:
    discount, plain = add(bot, project, ["100% refund", "1000 refunds"])

    with bot.session() as session:
        assert search.like_search(session, [project], ["100%"], 10) == [discount]
        assert search.like_search(session, [project], ["REFUND"], 10) == [plain, discount]
        assert search.like_search(session, [project], ["_"], 10) == []


def test_bulk_imported_items_are_searchable(bot: BotHarness, project: int, tmp_path: Path) -> None:
    """The import path writes items its own way (and may defer the index's trigger)."""
    source = tmp_path / "items.csv"
    source.write_text("id,text\na1,parcel never arrived\na2,great parcel service\n")
    with bot.session() as session:
        row = session.get(Project, project)
        assert row is not None
        import_items(session, row, source)

    with bot.session() as session:
        found = ids_for(session, [project], "parcel arrived")
        [external_id] = session.scalars(select(Item.external_id).where(Item.id.in_(found)))
        assert external_id == "a1"
        assert len(ids_for(session, [project], "parcel")) == 2
    more = add(bot, project, ["parcel after the import"])
    with bot.session() as session:
        assert ids_for(session, [project], "parcel after") == more


# -- through Slack ----------------------------------------------------------------------------


def test_label_search_lists_matches_the_person_may_see_with_open_buttons(bot: BotHarness) -> None:
    with bot.session() as session:
        public = create_project(session, make_spec("public"))
        private = create_project(
            session,
            make_spec(
                "private",
                slack={
                    "leads": ["U0LEAD0001"],
                    "annotators": {"mode": "list", "users": [OUTSIDER]},
                },
            ),
        )
        [visible] = add_items(session, public, ["broken kettle <b>"])
        add_items(session, private, ["broken kettle secret"])

    bot.command("search broken kettle", ANNOTATOR)

    blocks = bot.wait_response(1).body["blocks"]
    shown = all_text(blocks)
    assert "1 best match" in shown and "broken kettle &lt;b&gt;" in shown
    assert "secret" not in shown
    assert button(blocks, Action.OPEN_ITEM)["value"] == str(visible)


def test_label_search_shows_ten_and_says_there_are_more(bot: BotHarness, project: int) -> None:
    add(bot, project, [f"parcel {n}" for n in range(11)])

    bot.command("search parcel", ANNOTATOR)

    blocks = bot.wait_response(1).body["blocks"]
    opens = [b for b in blocks if b.get("accessory", {}).get("action_id") == Action.OPEN_ITEM]
    assert len(opens) == 10
    assert "Showing the best 10" in all_text(blocks)


@pytest.mark.parametrize("query", ["", "   ", "?!"])
def test_an_empty_search_explains_the_usage(bot: BotHarness, project: int, query: str) -> None:
    bot.command(f"search {query}", ANNOTATOR)

    assert "Usage: `/label search" in bot.wait_response(1).body["text"]


def test_a_search_without_matches_says_so(bot: BotHarness, project: int) -> None:
    bot.command('search "; DROP TABLE items', ANNOTATOR)

    assert "No items match" in all_text(bot.wait_response(1).body["blocks"])


# -- migration 0003 ----------------------------------------------------------------------------


def _add_project_and_item(url: str, words: str) -> None:
    """Rows written at revision 0002 (before the index existed), in that revision's columns
    (the models have grown since)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            project_id = connection.execute(
                text(
                    "INSERT INTO projects (slug, title, spec, guideline_version, paused, "
                    "created_at, updated_at) VALUES ('old', 'Old', '{}', 'v1', false, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                )
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO items (project_id, external_id, data, source, priority, "
                    "required_answers, answer_count, is_gold, status, created_at) VALUES "
                    "(:project, 'x1', :data, 'import', 0, 1, 0, false, 'open', CURRENT_TIMESTAMP)"
                ),
                {"project": project_id, "data": json.dumps({"text": words})},
            )
    finally:
        engine.dispose()


def _search(url: str, words: str) -> list[int]:
    engine = make_engine(url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            projects = list(session.scalars(select(Project.id)))
            return ids_for(session, projects, words)
    finally:
        engine.dispose()


def _search_objects(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        indexes = {i["name"] for i in inspector.get_indexes("items") if i["name"]}
        return {n for n in tables | indexes if search.is_search_index_object(n, "table")} | (
            indexes & {search.POSTGRES_INDEX}
        )
    finally:
        engine.dispose()


def _cycle(url: str, expected: set[str]) -> None:
    migrate.upgrade(url, "0002")
    _add_project_and_item(url, "existing row indexed by the migration")
    migrate.upgrade(url)
    assert _search_objects(url) == expected
    assert _search(url, "existing indexed") != []

    migrate.downgrade(url, "0002")
    assert _search_objects(url) == set()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            triggers = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                if engine.dialect.name == "sqlite"
                else text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            ).all()
        assert triggers == []
    finally:
        engine.dispose()

    migrate.upgrade(url)
    assert _search(url, "existing indexed") != []


def test_sqlite_migration_0003_up_down_and_existing_rows(tmp_path: Path) -> None:
    _cycle(
        f"sqlite:///{tmp_path / 'search.db'}",
        {"items_fts", "items_fts_config", "items_fts_data", "items_fts_docsize", "items_fts_idx"},
    )


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A fresh schema inside the test database (TEST_DATABASE_URL), dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL pointing at PostgreSQL")
    schema = f"search_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_migration_0003_up_down_and_existing_rows(postgres_schema_url: str) -> None:
    _cycle(postgres_schema_url, {search.POSTGRES_INDEX})
