"""The `projects` and `db` commands, driven as a user would: exit codes and messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select
from typer.testing import CliRunner, Result

from bot.cli.app import app
from storage.db import SessionFactory, make_engine, unit_of_work
from storage.models import GuidelineVersion, Project

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
EXAMPLE_SLUGS = {
    "answer-helpfulness",
    "audio-transcription",
    "image-tags",
    "llm-preference",
    "review-sentiment",
    "support-intent",
}


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commands read settings from the environment and `.env`: start each test from neither."""
    for name in ("DATABASE_URL", "PROJECTS_DIR", "SLACK_BOT_TOKEN", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def flat(text: str) -> str:
    """Output with rich's line wrapping undone, so assertions don't depend on terminal width."""
    return " ".join(text.split())


def test_version_prints_the_installed_packages_version() -> None:
    from importlib.metadata import version

    result = run("--version")

    assert result.exit_code == 0
    assert result.output.strip() == f"slack-labeler {version('slack-labeler')}"


def test_python_dash_m_bot_help_lists_the_command_groups() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    for command in ("db", "projects"):
        assert f" {command} " in completed.stdout


def test_projects_help_lists_validate_and_sync() -> None:
    result = run("projects", "--help")

    assert result.exit_code == 0
    assert "validate" in result.output
    assert "sync" in result.output


def test_validate_examples_directory_succeeds_and_lists_each_project() -> None:
    result = run("projects", "validate", str(EXAMPLES))

    assert result.exit_code == 0, result.output
    output = flat(result.output)
    for slug in EXAMPLE_SLUGS:
        assert f": {slug} (" in output
    assert output.count("ok ") == len(EXAMPLE_SLUGS)


def test_validate_without_a_path_uses_projects_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJECTS_DIR", str(EXAMPLES))

    result = run("projects", "validate")

    assert result.exit_code == 0, result.output
    assert "review-sentiment" in result.output


def test_validate_invalid_file_exits_non_zero_naming_file_and_field(tmp_path: Path) -> None:
    broken = tmp_path / "sentiment.yml"
    text = (EXAMPLES / "review_sentiment.yml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("timezone: Europe/Berlin", "timezone: Europe/Atlantis").replace(
            "guidelines/review_sentiment.md", str(EXAMPLES / "guidelines/review_sentiment.md")
        ),
        encoding="utf-8",
    )

    result = run("projects", "validate", str(broken))

    assert result.exit_code == 1
    assert f"{broken}: digest.timezone: " in flat(result.output)
    assert "unknown IANA time zone 'Europe/Atlantis'" in result.output
    assert "1 problem(s)" in result.output


def test_validate_reports_every_broken_file_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("slug: a\ntitle: [\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("- not a mapping\n", encoding="utf-8")

    result = run("projects", "validate", str(tmp_path))

    assert result.exit_code == 1
    output = flat(result.output)
    assert "2 problem(s)" in output
    assert f"{tmp_path / 'a.yml'}: line 3, column 1: invalid YAML" in output
    assert f"{tmp_path / 'b.yml'}: (top level): expected a mapping" in output


def test_validate_a_directory_without_project_files_fails(tmp_path: Path) -> None:
    result = run("projects", "validate", str(tmp_path))

    assert result.exit_code == 1
    assert "no project files" in result.output


def test_validate_a_missing_path_fails(tmp_path: Path) -> None:
    result = run("projects", "validate", str(tmp_path / "nowhere"))

    assert result.exit_code == 1
    assert "no such file or directory" in result.output


# --- sync -----------------------------------------------------------------------------------


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the CLI at the test's migrated database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def project_rows(session_factory: SessionFactory) -> dict[str, tuple[str, int]]:
    """slug -> (current guideline version, number of recorded guideline versions)."""
    with unit_of_work(session_factory) as session:
        counts = (
            select(GuidelineVersion.project_id, func.count().label("n"))
            .group_by(GuidelineVersion.project_id)
            .subquery()
        )
        rows = session.execute(
            select(Project.slug, Project.guideline_version, counts.c.n).join(
                counts, counts.c.project_id == Project.id
            )
        )
        return {slug: (version, n) for slug, version, n in rows}


def test_sync_records_every_example_project_with_its_guidelines(
    cli_database: str, session_factory: SessionFactory
) -> None:
    result = run("projects", "sync", str(EXAMPLES))

    assert result.exit_code == 0, result.output
    for slug in EXAMPLE_SLUGS:
        assert f"{slug}: created, guidelines " in flat(result.output)
    rows = project_rows(session_factory)
    assert set(rows) == EXAMPLE_SLUGS
    assert rows["support-intent"] == ("2026-11-v3", 1)
    assert all(count == 1 for _, count in rows.values())
    with unit_of_work(session_factory) as session:
        project = session.scalars(select(Project).where(Project.slug == "image-tags")).one()
        assert project.title == "Photo content tags"
        assert project.spec["display"]["image_field"] == "image_url"


def test_sync_twice_changes_nothing(cli_database: str, session_factory: SessionFactory) -> None:
    assert run("projects", "sync", str(EXAMPLES)).exit_code == 0
    before = project_rows(session_factory)

    again = run("projects", "sync", str(EXAMPLES))

    assert again.exit_code == 0, again.output
    assert "guidelines" not in again.output
    assert flat(again.output).count(": updated") == len(EXAMPLE_SLUGS)
    assert project_rows(session_factory) == before


def test_sync_after_editing_guidelines_records_a_new_version(
    cli_database: str, session_factory: SessionFactory, tmp_path: Path
) -> None:
    projects = tmp_path / "projects"
    (projects / "guidelines").mkdir(parents=True)
    shutil.copy(EXAMPLES / "review_sentiment.yml", projects)
    guidelines = projects / "guidelines" / "review_sentiment.md"
    shutil.copy(EXAMPLES / "guidelines" / "review_sentiment.md", guidelines)
    assert run("projects", "sync", str(projects)).exit_code == 0
    first_version, _ = project_rows(session_factory)["review-sentiment"]

    with guidelines.open("a", encoding="utf-8") as handle:
        handle.write("\n## Emoji-only reviews\n\nJudge the emoji: a thumbs-up is positive.\n")
    result = run("projects", "sync", str(projects))

    assert result.exit_code == 0, result.output
    new_version, count = project_rows(session_factory)["review-sentiment"]
    assert new_version != first_version
    assert count == 2
    assert f"guidelines {new_version} recorded" in flat(result.output)
    with unit_of_work(session_factory) as session:
        contents = session.scalars(
            select(GuidelineVersion.content).order_by(GuidelineVersion.id)
        ).all()
    assert "Emoji-only reviews" not in contents[0]
    assert "Emoji-only reviews" in contents[1]


def test_sync_with_an_invalid_file_records_nothing(
    cli_database: str, session_factory: SessionFactory, tmp_path: Path
) -> None:
    projects = tmp_path / "projects"
    shutil.copytree(EXAMPLES, projects)
    typo = projects / "support_intent.yml"
    typo.write_text(
        typo.read_text(encoding="utf-8").replace("overlap: 2", "overlpa: 2"), encoding="utf-8"
    )

    result = run("projects", "sync", str(projects))

    assert result.exit_code == 1
    assert f"{typo}: overlpa: unknown key; did you mean `overlap`?" in flat(result.output)
    assert project_rows(session_factory) == {}


def test_sync_on_an_unmigrated_database_says_to_run_db_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")

    result = run("projects", "sync", str(EXAMPLES))

    assert result.exit_code == 2
    assert "python -m bot db upgrade" in flat(result.output)


def test_invalid_setting_makes_commands_exit_with_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/labels")

    result = run("db", "current")

    assert result.exit_code == 2
    assert "DATABASE_URL" in result.output


# --- db ---------------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_in_a_fresh_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data" / "labels.db"
    path.parent.mkdir()
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)

    before = run("db", "current")
    result = run("db", "upgrade")
    after = run("db", "current")

    assert before.exit_code == 0 and "database: (empty)" in before.output
    assert result.exit_code == 0, result.output
    assert "Database at revision" in result.output
    engine = make_engine(url)
    try:
        assert {"projects", "items", "annotations"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert after.exit_code == 0
    revision = flat(after.output).split("database: ")[1].split()[0]
    assert revision != "(empty)"
    assert f"code: {revision}" in after.output


def test_db_upgrade_twice_is_harmless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'labels.db'}")

    assert run("db", "upgrade").exit_code == 0
    assert run("db", "upgrade").exit_code == 0


def test_db_upgrade_reads_database_url_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\n", encoding="utf-8")

    result = run("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-dotenv.db").exists()


def test_projects_list_shows_each_project_with_its_counts_one_line_each(
    cli_database: str, session_factory: SessionFactory, tmp_path: Path
) -> None:
    assert run("projects", "sync", str(EXAMPLES)).exit_code == 0
    items = tmp_path / "items.csv"
    items.write_text("id,text\nr1,Great\nr2,Awful\n", encoding="utf-8")
    assert run("import", "review-sentiment", str(items)).exit_code == 0
    with unit_of_work(session_factory) as session:
        session.scalars(select(Project).where(Project.slug == "llm-preference")).one().paused = True

    result = run("projects", "list")

    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:] if line}
    assert set(lines) == EXAMPLE_SLUGS
    assert "Customer review sentiment" in result.output  # a whole title on one line
    assert lines["review-sentiment"][-4:] == ["2", "0", "0", "no"]
    assert lines["llm-preference"][-1] == "yes"


def test_projects_list_says_how_to_start_when_there_are_none(cli_database: str) -> None:
    result = run("projects", "list")

    assert result.exit_code == 0
    assert "No projects yet" in result.output


def _help_texts() -> list[str]:
    import typer.main

    import bot.cli  # noqa: F401 - registers every command

    texts: list[str] = []

    def walk(command: Any) -> None:
        texts.append(command.help or "")
        for child in getattr(command, "commands", {}).values():
            walk(child)

    walk(typer.main.get_command(app))
    return texts


def test_help_examples_name_projects_and_files_that_exist() -> None:
    import re

    examples = [
        found.split()
        for text in _help_texts()
        for found in re.findall(r"`python -m bot ([^`]+)`", " ".join(text.split()))
    ]
    assert len(examples) > 10
    for words in examples:
        for word in words:
            if word.startswith("examples/") and word != "examples/":
                assert (ROOT / word).exists(), f"help example names a missing file: {word}"
            assert word != "sentiment", f"help example names no real project: {words}"
