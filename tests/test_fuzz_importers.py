"""Importers on arbitrary bytes: either a clean import or an `ImportFailed` naming file and
line, never a crash, and never a partial write."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dataio.problems import ImportFailed
from storage.db import SessionFactory
from tests.dataio_helpers import count_rows, run_annotations, run_items, setup_project
from tests.factories import make_spec

lines = st.lists(
    st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
        st.sampled_from(
            [
                b'{"id": "a", "text": "ok"}',
                b"id,text",
                b"1,hello",
                b'{"id":',
                b"\xff\xfe",
                b"",
                b'"unterminated, quote',
                b'{"text": NaN}',
            ]
        ),
    ),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(content=lines, suffix=st.sampled_from([".csv", ".jsonl", ".json"]))
def test_any_file_imports_cleanly_or_fails_with_a_located_error_and_writes_nothing(
    session_factory: SessionFactory, tmp_path_factory: object, content: list[bytes], suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")  # type: ignore[attr-defined]
    slug = f"p{abs(hash((suffix, *content))) % 10**9}"
    setup_project(session_factory, make_spec(slug=slug))
    path = Path(folder) / f"data{suffix}"
    path.write_bytes(b"\n".join(content))
    before = count_rows(session_factory)

    try:
        run_items(session_factory, slug, path)
    except ImportFailed as failed:
        assert str(path.name) in str(failed)
        assert count_rows(session_factory) == before
    after_items = count_rows(session_factory)
    try:
        run_annotations(session_factory, slug, path)
    except ImportFailed as failed:
        assert str(path.name) in str(failed)
        assert count_rows(session_factory) == after_items
