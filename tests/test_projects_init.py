"""`python -m bot projects init`: a newcomer's first project file, from options or answers to
prompts, always one that `projects validate` accepts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.projects.loader import load_project_file
from bot.projects.scaffold import DraftError, ProjectDraft, choice_value, slug_from
from bot.projects.spec import TaskKind, guideline_section

FLAGS = [
    "--title",
    "Ticket intent",
    "--choice",
    "Billing",
    "--choice",
    "Account access",
    "--choice",
    "Other",
    "--channel",
    "C0123LABEL",
    "--review-channel",
    "C0123REVEW",
    "--lead",
    "U0123ALICE",
]


@pytest.fixture(autouse=True)
def in_empty_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("DATABASE_URL", "PROJECTS_DIR", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def init(*args: str, answers: str | None = None) -> Result:
    return CliRunner().invoke(app, ["projects", "init", *args], input=answers)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_options_alone_write_a_project_that_validates(in_empty_directory: Path) -> None:
    result = init(*FLAGS)

    assert result.exit_code == 0, result.output
    path = in_empty_directory / "projects" / "ticket-intent.yml"
    loaded = load_project_file(path)
    spec = loaded.spec
    assert spec.slug == "ticket-intent"
    assert spec.title == "Ticket intent"
    assert spec.task.kind is TaskKind.SINGLE_CHOICE
    assert [(c.value, c.text) for c in spec.task.choices] == [
        ("billing", "Billing"),
        ("account_access", "Account access"),
        ("other", "Other"),
    ]
    assert spec.slack.labeling_channel == "C0123LABEL"
    assert spec.slack.review_channel == "C0123REVEW"
    assert spec.slack.leads == ["U0123ALICE"]
    assert spec.display_keys == ["text"]
    assert "python -m bot import ticket-intent" in flat(result.output)
    validated = CliRunner().invoke(app, ["projects", "validate"])
    assert validated.exit_code == 0, validated.output


def test_the_guidelines_have_a_section_per_label_that_review_posts_can_quote(
    in_empty_directory: Path,
) -> None:
    init(*FLAGS)

    text = (in_empty_directory / "projects" / "guidelines" / "ticket-intent.md").read_text()
    for value in ("billing", "account_access", "other"):
        assert guideline_section(text, value) is not None


def test_missing_answers_are_asked_for_and_a_wrong_one_is_asked_again(
    in_empty_directory: Path,
) -> None:
    answers = "\n".join(
        [
            "Review sentiment",
            "Positive, Neutral, Negative",
            "#labeling",  # a name, not an ID: explained, then asked again
            "C0123LABEL",
            "C0123REVEW",
            "U0123ALICE, U0123BOB",
        ]
    )
    result = init(answers=answers + "\n")

    assert result.exit_code == 0, result.output
    assert "channel's name → About" in flat(result.output)
    spec = load_project_file(in_empty_directory / "projects" / "review-sentiment.yml").spec
    assert spec.task.choice_values == ["positive", "neutral", "negative"]
    assert spec.slack.leads == ["U0123ALICE", "U0123BOB"]


def test_without_a_terminal_a_missing_answer_is_an_error_naming_it(
    in_empty_directory: Path,
) -> None:
    result = init("--title", "Half done", answers="")

    assert result.exit_code == 1
    assert "no answer for 'Labels" in flat(result.output)
    assert not (in_empty_directory / "projects" / "half-done.yml").exists()


def test_an_id_given_as_a_name_is_refused_with_where_to_find_the_id(
    in_empty_directory: Path,
) -> None:
    flags = [*FLAGS]
    flags[flags.index("U0123ALICE")] = "@alice"

    result = init(*flags)

    assert result.exit_code == 1
    assert "Copy member ID" in flat(result.output)
    assert not (in_empty_directory / "projects").exists() or not any(
        (in_empty_directory / "projects").glob("*.yml")
    )


def test_an_existing_project_file_is_kept_unless_forced(in_empty_directory: Path) -> None:
    assert init(*FLAGS).exit_code == 0
    path = in_empty_directory / "projects" / "ticket-intent.yml"
    path.write_text(path.read_text() + "# my edits\n")

    again = init(*FLAGS)
    assert again.exit_code == 1
    assert "already exists" in flat(again.output)
    assert path.read_text().endswith("# my edits\n")

    forced = init(*FLAGS, "--force", "--overlap", "3")
    assert forced.exit_code == 0, forced.output
    assert load_project_file(path).spec.overlap == 3
    assert "kept: it existed" in flat(forced.output)  # the guidelines someone edited stay


def test_multi_choice_slug_question_field_and_directory_options(in_empty_directory: Path) -> None:
    result = init(
        *FLAGS,
        "--multi",
        "--slug",
        "intent-v2",
        "--question",
        'Which "intents" apply?',
        "--field",
        "body",
        "--dir",
        "elsewhere",
    )

    assert result.exit_code == 0, result.output
    spec = load_project_file(in_empty_directory / "elsewhere" / "intent-v2.yml").spec
    assert spec.task.kind is TaskKind.MULTI_CHOICE
    assert spec.task.question == 'Which "intents" apply?'
    assert spec.display_keys == ["body"]


def test_the_files_follow_the_umask(in_empty_directory: Path) -> None:
    previous = os.umask(0o027)
    try:
        assert init(*FLAGS).exit_code == 0
    finally:
        os.umask(previous)

    mode = stat.S_IMODE((in_empty_directory / "projects" / "ticket-intent.yml").stat().st_mode)
    assert mode == 0o640


def test_titles_and_labels_become_valid_slugs_and_values() -> None:
    assert slug_from("Café reviews: Q3 (EU)!") == "cafe-reviews-q3-eu"
    assert choice_value("Account access") == "account_access"
    assert choice_value("Ñandú") == "nandu"
    with pytest.raises(DraftError, match="needs a letter or digit"):
        choice_value("🙂")


def test_two_labels_that_would_share_a_value_are_refused() -> None:
    with pytest.raises(DraftError, match="share the value 'yes'"):
        ProjectDraft(
            title="T",
            choices=["Yes", "yes!"],
            labeling_channel="C0123LABEL",
            review_channel="C0123REVEW",
            leads=["U0123ALICE"],
        )


def test_hostile_titles_and_labels_stay_text_in_yaml(in_empty_directory: Path) -> None:
    flags = [*FLAGS]
    flags[flags.index("Ticket intent")] = 'Intent: "quoted" # not a comment\nsecond line'
    flags[flags.index("Other")] = "Other: {not: a map}"

    result = init(*flags, "--slug", "hostile")

    assert result.exit_code == 0, result.output
    raw = yaml.safe_load((in_empty_directory / "projects" / "hostile.yml").read_text())
    assert raw["title"] == 'Intent: "quoted" # not a comment\nsecond line'
    assert raw["task"]["choices"][2]["text"] == "Other: {not: a map}"
