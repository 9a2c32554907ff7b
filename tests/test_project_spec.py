"""Project YAML: the examples validate, and typical mistakes name file, field and problem."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from bot.projects.loader import (
    ProjectFileError,
    ProjectLoadError,
    load_project_file,
    load_projects,
    project_files,
)
from bot.projects.spec import ProjectSpec, Task, TaskKind, guideline_section, resolve_guidelines

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yml"))

MINIMAL: dict[str, Any] = {
    "slug": "toxicity",
    "title": "Comment toxicity",
    "guidelines": {"text": "## toxic\nInsults or threats.\n\n## ok\nEverything else.\n"},
    "task": {
        "kind": "single_choice",
        "choices": [{"value": "toxic", "text": "Toxic"}, {"value": "ok", "text": "OK"}],
    },
    "display": {"fields": [{"key": "text"}]},
    "slack": {"labeling_channel": "C0123ABCD", "leads": ["U0123ABCD"]},
}


def spec_dict(**changes: Any) -> dict[str, Any]:
    """The minimal valid project with top-level keys replaced (or removed when None)."""
    data = copy.deepcopy(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def write_project(directory: Path, data: dict[str, Any], name: str = "project.yml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_for(path: Path) -> list[str]:
    with pytest.raises(ProjectFileError) as caught:
        load_project_file(path)
    assert caught.value.path == path
    assert str(path) in str(caught.value)
    return caught.value.problems


def only_problem(path: Path) -> str:
    problems = problems_for(path)
    assert len(problems) == 1, problems
    return problems[0]


# --- the examples ------------------------------------------------------------------------


def test_there_are_examples_for_every_task_kind() -> None:
    kinds = {load_project_file(path).spec.task.kind for path in EXAMPLE_FILES}

    assert len(EXAMPLE_FILES) >= 5
    assert kinds == set(TaskKind)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_each_example_validates_and_has_a_guideline_section_per_label(path: Path) -> None:
    loaded = load_project_file(path)

    assert loaded.guidelines.text.strip()
    for choice in loaded.spec.task.effective_choices:
        assert guideline_section(loaded.guidelines.text, choice.value), choice.value


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_each_example_has_sample_data_with_ids_and_display_columns(path: Path) -> None:
    spec = load_project_file(path).spec
    display = spec.display
    needed = {"id", *spec.display_keys, *display.metadata}
    needed |= {f for f in (display.image_field, display.audio_field) if f}
    data_files = [
        f
        for f in (EXAMPLES / "data").iterdir()
        if f.suffix in {".csv", ".jsonl"} and needed <= _columns(f)
    ]

    assert data_files, f"no data file under examples/data has columns {sorted(needed)}"
    rows = _rows(data_files[0])
    assert 15 <= len(rows) <= 30
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)


def _rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            return list(csv.DictReader(handle))
        return [json.loads(line) for line in handle if line.strip()]


def _columns(path: Path) -> set[str]:
    rows = _rows(path)
    return set.intersection(*(set(row) for row in rows)) if rows else set()


def test_examples_directory_loads_with_unique_slugs() -> None:
    loaded = load_projects(EXAMPLES)

    slugs = [project.spec.slug for project in loaded]
    assert len(slugs) == len(EXAMPLE_FILES)
    assert len(set(slugs)) == len(slugs)


def test_project_files_lists_yaml_files_only_sorted(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "notes.md", "data.csv"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub.yml").mkdir()

    assert project_files(tmp_path) == [tmp_path / "a.yml", tmp_path / "b.yaml"]
    assert project_files(tmp_path / "notes.md") == [tmp_path / "notes.md"]
    with pytest.raises(FileNotFoundError, match="no such file"):
        project_files(tmp_path / "missing")


# --- typical mistakes ----------------------------------------------------------------------


def test_unknown_top_level_key_typo_is_an_error(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(overlpa=3))

    assert only_problem(path) == "overlpa: unknown key; did you mean `overlap`?"


def test_unknown_nested_key_typo_names_the_full_field_path(tmp_path: Path) -> None:
    digest = {"cron": "0 9 * * 1-5", "timzone": "UTC"}
    path = write_project(tmp_path, spec_dict(digest=digest))

    assert only_problem(path) == "digest.timzone: unknown key; did you mean `timezone`?"


def test_missing_required_field_is_named(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(title=None))

    assert only_problem(path) == "title: Field required"


def test_single_choice_without_choices_is_an_error(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(task={"kind": "single_choice"}))

    problem = only_problem(path)
    assert problem.startswith("task: ")
    assert "single_choice task needs at least 2 choices" in problem


def test_duplicate_choice_values_are_named(tmp_path: Path) -> None:
    choices = [
        {"value": "spam", "text": "Spam"},
        {"value": "ham", "text": "Ham"},
        {"value": "spam", "text": "Spam again"},
    ]
    path = write_project(tmp_path, spec_dict(task={"kind": "single_choice", "choices": choices}))

    problem = only_problem(path)
    assert problem.startswith("task: ")
    assert "duplicate choice values: spam" in problem


def test_choice_value_with_spaces_is_refused_with_its_index(tmp_path: Path) -> None:
    choices = [{"value": "not spam", "text": "Not spam"}, {"value": "spam", "text": "Spam"}]
    path = write_project(tmp_path, spec_dict(task={"kind": "single_choice", "choices": choices}))

    assert only_problem(path).startswith("task.choices.0.value: String should match pattern")


def test_multi_choice_with_more_than_ten_choices_is_refused(tmp_path: Path) -> None:
    choices = [{"value": f"tag{i}", "text": f"Tag {i}"} for i in range(11)]
    path = write_project(tmp_path, spec_dict(task={"kind": "multi_choice", "choices": choices}))

    problem = only_problem(path)
    assert problem.startswith("task: ")
    assert "at most 10 choices" in problem


def test_multi_choice_with_exactly_ten_choices_is_fine(tmp_path: Path) -> None:
    choices = [{"value": f"tag{i}", "text": f"Tag {i}"} for i in range(10)]
    path = write_project(tmp_path, spec_dict(task={"kind": "multi_choice", "choices": choices}))

    assert len(load_project_file(path).spec.task.choices) == 10


@pytest.mark.parametrize("cron", ["0 25 * * *", "every morning", "0 9 * *"])
def test_bad_cron_expression_is_refused(tmp_path: Path, cron: str) -> None:
    path = write_project(tmp_path, spec_dict(digest={"cron": cron}))

    problem = only_problem(path)
    assert problem.startswith("digest.cron: ")
    assert "not a valid 5-field cron expression" in problem


def test_bad_weekly_cron_is_named_separately(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(digest={"weekly_cron": "0 9 * * funday"}))

    assert only_problem(path).startswith("digest.weekly_cron: ")


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "CEST", "../etc/passwd"])
def test_bad_time_zone_is_refused(tmp_path: Path, zone: str) -> None:
    path = write_project(tmp_path, spec_dict(digest={"timezone": zone}))

    problem = only_problem(path)
    assert problem.startswith("digest.timezone: ")
    assert "unknown IANA time zone" in problem


@pytest.mark.parametrize("channel", ["#labeling", "c0123abcd", "U0123ABCD", "C"])
def test_bad_channel_id_is_refused(tmp_path: Path, channel: str) -> None:
    slack = {"labeling_channel": channel, "leads": ["U0123ABCD"]}
    path = write_project(tmp_path, spec_dict(slack=slack))

    assert only_problem(path).startswith("slack.labeling_channel: a channel ID such as C0123ABCD")


def test_bad_lead_user_id_is_named_with_its_index(tmp_path: Path) -> None:
    slack = {"labeling_channel": "C0123ABCD", "leads": ["U0123ABCD", "@alice"]}
    path = write_project(tmp_path, spec_dict(slack=slack))

    assert only_problem(path).startswith("slack.leads.1: a member ID such as U0123ABCD")


def test_project_without_any_lead_is_refused(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(slack={"labeling_channel": "C0123ABCD"}))

    problem = only_problem(path)
    assert problem.startswith("slack: ")
    assert "at least one lead" in problem


def test_prefill_field_must_be_a_display_field(tmp_path: Path) -> None:
    task = {"kind": "free_text", "prefill_field": "asr_text"}
    path = write_project(tmp_path, spec_dict(task=task))

    assert "task.prefill_field must be one of display.fields" in only_problem(path)


PAY = {
    "hourly_rate": 18.5,
    "currency": "EUR",
    "bonus": {"per_answer": 0.05, "min_answers": 200, "min_quality": 0.9},
}


def test_pay_is_optional_and_money_is_read_as_exact_decimals(tmp_path: Path) -> None:
    assert load_project_file(write_project(tmp_path, spec_dict())).spec.pay is None

    pay = load_project_file(write_project(tmp_path, spec_dict(pay=PAY))).spec.pay

    assert pay is not None and pay.bonus is not None
    assert (pay.hourly_rate, pay.currency) == (Decimal("18.5"), "EUR")
    assert pay.bonus.per_answer == Decimal("0.05")  # not 0.05000000000000000277
    assert (pay.bonus.min_answers, pay.bonus.min_quality) == (200, Decimal("0.9"))


def test_pay_without_a_bonus_is_fine(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(pay={"hourly_rate": 0, "currency": "USD"}))

    pay = load_project_file(path).spec.pay
    assert pay is not None and pay.bonus is None and pay.hourly_rate == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hourly_rate": -1}, "pay.hourly_rate: Input should be greater than or equal to 0"),
        ({"hourly_rate": "lots"}, "pay.hourly_rate: Input should be a valid decimal"),
        ({"currency": "eur"}, "pay.currency: currency is a 3-letter ISO 4217 code"),
        ({"currency": "EURO"}, "pay.currency: currency is a 3-letter ISO 4217 code"),
        ({"currency": None}, "pay.currency: Field required"),
        ({"bonus": {**PAY["bonus"], "per_answer": -0.01}}, "pay.bonus.per_answer: Input should"),
        ({"bonus": {**PAY["bonus"], "min_answers": -1}}, "pay.bonus.min_answers: Input should"),
        ({"bonus": {**PAY["bonus"], "min_quality": 90}}, "pay.bonus.min_quality: Input should"),
        ({"bonus": {"per_answer": 0.05, "min_answers": 10}}, "pay.bonus.min_quality: Field req"),
        (
            {"bonus": {**PAY["bonus"], "per_anwser": 1}},
            "pay.bonus.per_anwser: unknown key; did you mean `per_answer`?",
        ),
    ],
)
def test_bad_pay_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    pay = {key: value for key, value in {**PAY, **change}.items() if value is not None}
    path = write_project(tmp_path, spec_dict(pay=pay))

    assert only_problem(path).startswith(expected)


def test_several_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    path = write_project(
        tmp_path, spec_dict(overlap=0, digest={"timezone": "Mars/Olympus"}, slug="Bad Slug")
    )

    fields = sorted(problem.split(":")[0] for problem in problems_for(path))
    assert fields == ["digest.timezone", "overlap", "slug"]


def test_broken_yaml_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("slug: broken\ntitle: [unclosed\n  task: x\n", encoding="utf-8")

    problem = only_problem(path)
    assert problem.startswith("line 3, column 7: invalid YAML")


def test_yaml_tab_indentation_error_reports_position(tmp_path: Path) -> None:
    path = tmp_path / "tabs.yml"
    path.write_text("slug: tabs\ntask:\n\tkind: rating\n", encoding="utf-8")

    assert only_problem(path).startswith("line 3, column 1: invalid YAML")


@pytest.mark.parametrize("content", ["- just\n- a list\n", "just a string\n", ""])
def test_yaml_that_is_not_a_mapping_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "list.yml"
    path.write_text(content, encoding="utf-8")

    assert only_problem(path) == "(top level): expected a mapping of project settings"


def test_non_utf8_file_is_refused_with_the_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("slug: caf\u00e9\n".encode("latin-1"))

    problem = only_problem(path)
    assert problem.startswith("not UTF-8 text")
    assert "at byte 9" in problem


def test_missing_guidelines_file_is_named(tmp_path: Path) -> None:
    path = write_project(tmp_path, spec_dict(guidelines={"file": "guidelines/missing.md"}))

    problem = only_problem(path)
    assert problem.startswith("guidelines.file: cannot read")
    assert "No such file" in problem


def test_guidelines_need_exactly_one_of_text_or_file(tmp_path: Path) -> None:
    both = write_project(tmp_path, spec_dict(guidelines={"text": "x", "file": "g.md"}), "a.yml")
    neither = write_project(tmp_path, spec_dict(guidelines={"version": "v1"}), "b.yml")

    for path in (both, neither):
        problem = only_problem(path)
        assert problem.startswith("guidelines: ")
        assert "exactly one of `text` or `file`" in problem


def test_duplicate_slugs_across_files_name_both_files(tmp_path: Path) -> None:
    first = write_project(tmp_path, spec_dict(), "first.yml")
    second = write_project(tmp_path, spec_dict(title="Another title"), "second.yml")

    with pytest.raises(ProjectLoadError) as caught:
        load_projects(tmp_path)

    problems = caught.value.problems
    assert problems == [
        f"{first}: slug: 'toxicity' is used by another project file",
        f"{second}: slug: 'toxicity' is used by another project file",
    ]


def test_problems_from_every_file_are_collected_before_failing(tmp_path: Path) -> None:
    write_project(tmp_path, spec_dict(), "good.yml")
    typo = write_project(tmp_path, spec_dict(slug="other", overlpa=2), "typo.yml")
    broken = tmp_path / "zz-broken.yml"
    broken.write_text("slug: [\n", encoding="utf-8")

    with pytest.raises(ProjectLoadError) as caught:
        load_projects(tmp_path)

    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0] == f"{typo}: overlpa: unknown key; did you mean `overlap`?"
    assert problems[1].startswith(f"{broken}: line ")


# --- guideline versions ----------------------------------------------------------------------


def test_explicit_guideline_version_is_used_as_given(tmp_path: Path) -> None:
    guidelines = {"text": "## toxic\nInsults.", "version": "2026-11-v3"}
    path = write_project(tmp_path, spec_dict(guidelines=guidelines))

    assert load_project_file(path).guidelines.version == "2026-11-v3"


def test_guideline_version_defaults_to_a_content_hash(tmp_path: Path) -> None:
    text = "## toxic\nInsults or threats.\n"
    path = write_project(tmp_path, spec_dict(guidelines={"text": text}))

    version = load_project_file(path).guidelines.version
    assert version == hashlib.sha256(text.encode()).hexdigest()[:12]


def test_guideline_version_changes_when_the_text_changes(tmp_path: Path) -> None:
    guidelines_file = tmp_path / "guidelines.md"
    guidelines_file.write_text("## toxic\nInsults.\n", encoding="utf-8")
    path = write_project(tmp_path, spec_dict(guidelines={"file": "guidelines.md"}))
    before = load_project_file(path).guidelines

    guidelines_file.write_text("## toxic\nInsults, threats and slurs.\n", encoding="utf-8")
    after = load_project_file(path).guidelines

    assert before.version != after.version
    assert after.text == "## toxic\nInsults, threats and slurs.\n"
    assert load_project_file(path).guidelines.version == after.version


def test_guidelines_file_is_resolved_relative_to_the_project_file(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "rules.md").write_text("# Rules\n", encoding="utf-8")
    spec = ProjectSpec.model_validate(spec_dict(guidelines={"file": "docs/rules.md"}))

    assert resolve_guidelines(spec, tmp_path).text == "# Rules\n"


# --- guideline sections -----------------------------------------------------------------------

GUIDE = """# Sentiment

Judge the review as a whole.

## positive

Praise or recommendation.

## Neutral (mixed or factual)

Equal praise and complaint.

### `negative`

Complaints, refunds, regret.

## positively-worded complaints

Sarcasm counts as negative.

## unsure
"""


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("positive", "Praise or recommendation."),
        ("neutral", "Equal praise and complaint."),
        ("NEGATIVE", "Complaints, refunds, regret."),
    ],
)
def test_guideline_section_finds_the_section_headed_by_a_label(label: str, expected: str) -> None:
    assert guideline_section(GUIDE, label) == expected


def test_guideline_section_does_not_match_a_longer_word() -> None:
    assert guideline_section(GUIDE, "positively") is None
    assert guideline_section(GUIDE, "positive") == "Praise or recommendation."


def test_guideline_section_is_none_for_a_missing_or_empty_section() -> None:
    assert guideline_section(GUIDE, "spam") is None
    assert guideline_section(GUIDE, "unsure") is None
    assert guideline_section("No headings at all.", "positive") is None


def test_guideline_section_ignores_top_level_title() -> None:
    assert guideline_section(GUIDE, "sentiment") is None


# --- rating scales and choices ------------------------------------------------------------------


def test_rating_scale_expands_into_one_choice_per_point_with_end_labels() -> None:
    task = Task.model_validate(
        {
            "kind": "rating",
            "scale": {"min": 1, "max": 5, "low_label": "Useless", "high_label": "Perfect"},
        }
    )

    assert task.choice_values == ["1", "2", "3", "4", "5"]
    assert [c.text for c in task.effective_choices] == [
        "1 · Useless",
        "2",
        "3",
        "4",
        "5 · Perfect",
    ]


def test_rating_scale_may_start_at_zero() -> None:
    task = Task.model_validate({"kind": "rating", "scale": {"min": 0, "max": 3}})

    assert task.choice_values == ["0", "1", "2", "3"]


@pytest.mark.parametrize(("low", "high"), [(1, 1), (0, 10), (5, 1)])
def test_rating_scale_needs_between_two_and_ten_points(low: int, high: int) -> None:
    with pytest.raises(ValidationError, match="between 2 and 10 points"):
        Task.model_validate({"kind": "rating", "scale": {"min": low, "max": high}})


def test_rating_with_explicit_choices_uses_them_instead_of_a_scale() -> None:
    choices = [{"value": "bad", "text": "Bad"}, {"value": "good", "text": "Good"}]
    task = Task.model_validate({"kind": "rating", "choices": choices})

    assert task.choice_values == ["bad", "good"]


def test_rating_without_scale_or_choices_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs `scale`"):
        Task.model_validate({"kind": "rating"})


def test_free_text_task_refuses_choices() -> None:
    with pytest.raises(ValidationError, match="free_text task has no `choices`"):
        Task.model_validate({"kind": "free_text", "choices": [{"value": "a", "text": "A"}]})


def test_choice_button_text_includes_the_emoji() -> None:
    task = Task.model_validate(
        {
            "kind": "single_choice",
            "choices": [
                {"value": "pos", "text": "Positive", "emoji": ":smile:"},
                {"value": "neg", "text": "Negative"},
            ],
        }
    )

    assert [c.button_text for c in task.choices] == [":smile: Positive", "Negative"]


def test_spec_is_immutable_once_loaded() -> None:
    spec = ProjectSpec.model_validate(spec_dict())

    with pytest.raises(ValidationError):
        spec.overlap = 5  # type: ignore[misc]


def test_an_unknown_key_with_no_near_spelling_lists_the_keys_that_fit(tmp_path: Path) -> None:
    data = spec_dict()
    data["review"] = {"strictness": "high"}

    problem = only_problem(write_project(tmp_path, data))

    assert problem.startswith(
        "review.strictness: unknown key; expected one of `agreement_threshold`"
    )
