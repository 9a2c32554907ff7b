"""The README.md dataset card written beside a Parquet export.

Its YAML header is what the Hub and `load_dataset(DIR)` read: the files of each split
(`configs`) and the features (`dataset_info`, with the class-label names). Its body tells a
reader what the labels mean and how far to trust them: the task, the label distribution per
split, how labels were decided, the annotators' agreement and the guideline versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from bot.dataio.dataset_summary import DatasetSummary
from bot.dataio.hf_features import Columns, card_features
from bot.projects.spec import ProjectSpec, TaskKind
from bot.reports.stats import AgreementFigures


@dataclass(frozen=True)
class CardFacts:
    spec: ProjectSpec
    guideline_version: str
    summary: DatasetSummary
    stratify: bool
    seed: int
    decided_only: bool
    columns: Columns
    agreement: AgreementFigures
    exported_on: date


METHODS = {
    "consensus": "the answers agreed (the project's consensus rule)",
    "dawid_skene": "weighted vote: answers weighted by each annotator's estimated accuracy",
    "adjudicated": "a lead decided it in the review channel",
    "gold": "a gold question: the known answer",
}
TASKS = {
    TaskKind.SINGLE_CHOICE: "single choice: one label per item",
    TaskKind.MULTI_CHOICE: "multi choice: any number of labels per item",
    TaskKind.RATING: "rating: one point of an ordered scale per item",
    TaskKind.FREE_TEXT: "free text: the annotators' own words",
}
TEXT_TASK_IDS = {
    TaskKind.SINGLE_CHOICE: "multi-class-classification",
    TaskKind.MULTI_CHOICE: "multi-label-classification",
}
#: The Hub's `size_categories`, by the upper bound of each.
SIZES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
)


def render(facts: CardFacts) -> str:
    front = yaml.safe_dump(_front_matter(facts), sort_keys=False, allow_unicode=True, width=1000)
    body = [
        _overview(facts),
        _labels(facts),
        _splits(facts),
        _decisions(facts),
        _agreement(facts),
        _people(facts),
        _columns(facts),
        _loading(facts),
    ]
    return f"---\n{front}---\n\n" + "\n\n".join(body) + "\n"


def _categories(spec: ProjectSpec) -> tuple[list[str], list[str]]:
    """The Hub's task category and task id for the project, when one fits."""
    display, kind = spec.display, spec.task.kind
    if kind is TaskKind.FREE_TEXT:
        if display.audio_field:
            return ["automatic-speech-recognition"], []
        return (["image-to-text"], []) if display.image_field else ([], [])
    for medium in ("image", "audio", "video"):
        if getattr(display, f"{medium}_field"):
            return [f"{medium}-classification"], []
    task_id = TEXT_TASK_IDS.get(kind)
    return ["text-classification"], [task_id] if task_id else []


def _front_matter(facts: CardFacts) -> dict[str, Any]:
    summary = facts.summary
    categories, task_ids = _categories(facts.spec)
    size = next((name for limit, name in SIZES if summary.rows < limit), "100M<n<1B")
    front: dict[str, Any] = {"pretty_name": facts.spec.title}
    if categories:
        front["task_categories"] = categories
    if task_ids:
        front["task_ids"] = task_ids
    front["size_categories"] = [size]
    front["configs"] = [
        {
            "config_name": "default",
            "data_files": [{"split": name, "path": f"data/{name}-*"} for name in summary.written],
        }
    ]
    front["dataset_info"] = {"features": card_features(facts.columns)}
    return front


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _overview(facts: CardFacts) -> str:
    spec = facts.spec
    lines = [f"# {spec.title}", ""]
    if spec.description:
        lines += [spec.description.strip(), ""]
    lines += [
        f"Exported on {facts.exported_on.isoformat()} from the Labeler project `{spec.slug}`: "
        f"{facts.summary.rows:,} items, labeled by people in Slack.",
        "",
        "## Task",
        "",
        "> " + " ".join(spec.task.question.split()),
        "",
        f"{TASKS[spec.task.kind].capitalize()}. Annotators saw {_names(spec.display_keys)}"
        + (f", with {_names(spec.display.metadata)} as context" if spec.display.metadata else "")
        + "; each is a column of the same name.",
    ]
    return "\n".join(lines)


def _names(keys: list[str]) -> str:
    quoted = [f"`{key}`" for key in keys]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _labels(facts: CardFacts) -> str:
    summary, task = facts.summary, facts.spec.task
    splits = summary.written
    head = "## Labels\n\n"
    undecided = [summary.splits[s].undecided for s in splits]
    if task.kind is TaskKind.FREE_TEXT:
        labeled = [summary.splits[s].rows - n for s, n in zip(splits, undecided, strict=True)]
        rows = [["with a label", *labeled], ["undecided (`label` is null)", *undecided]]
        return head + _table(["items", *splits], rows)
    multi = task.kind is TaskKind.MULTI_CHOICE
    where = "a list of `ClassLabel`s" if multi else "a `ClassLabel`"
    names = "features['label'].feature.names" if multi else "features['label'].names"
    rows = [
        [
            f"{index} `{choice.value}`",
            choice.text,
            *(summary.splits[s].labels[choice.value] for s in splits),
        ]
        for index, choice in enumerate(task.effective_choices)
    ]
    if any(undecided):
        rows.append(["null", "undecided: no label", *undecided])
    intro = (
        f"Items per label and split. `label` holds class indices ({where}: `{names}` lists "
        "the label values in index order).\n\n"
    )
    return head + intro + _table(["label", "meaning", *splits], rows)


def _splits(facts: CardFacts) -> str:
    summary = facts.summary
    rows = [
        [name, f"{share:g}", summary.splits[name].rows]
        for name, share in zip(summary.plan.names, summary.plan.fractions, strict=True)
    ]
    how = (
        "stratified on the decided label, so each split has the same label mix (undecided "
        "items count as one more label)"
        if facts.stratify
        else "not stratified"
    )
    text = (
        "## Splits\n\n"
        f"Each item's split follows from a hash of its `id` and the seed {facts.seed}, "
        f"{how}: the same seed gives the same splits.\n\n"
        + _table(["split", "planned share", "items"], rows)
    )
    empty = [name for name in summary.plan.names if not summary.splits[name].rows]
    if empty:
        text += "\n\nNo item fell in " + ", ".join(empty) + ", so it has no file."
    if facts.decided_only:
        text += "\n\nOnly decided items were exported (`--decided-only`)."
    return text


def _decisions(facts: CardFacts) -> str:
    spec, methods = facts.spec, facts.summary.methods
    more = spec.most_answers - spec.overlap
    asked = f"{spec.overlap} answer{'s' if spec.overlap > 1 else ''} per item" + (
        f", up to {more} more while they do not settle it" if more else ""
    )
    if spec.consensus.method == "dawid_skene":
        rule = (
            "answers weighted by each annotator's estimated accuracy (Dawid–Skene); an item "
            "is decided when its most likely label reaches a posterior of "
            f"{spec.consensus.confidence:g}"
        )
    else:
        rule = (
            "majority vote; an item whose majority has less than "
            f"{spec.review.agreement_threshold:.0%} of the answers goes to a lead"
        )
    rows = [[f"`{m}`", METHODS.get(m, m), n] for m, n in methods.items() if m is not None]
    if methods[None]:
        rows.append(
            ["null", "undecided: still open or waiting in review; `label` is null", methods[None]]
        )
    return (
        "## How labels were decided\n\n"
        f"The project asks for {asked}. Rule: {rule}. "
        "`label_method` says how each label came about; `confidence` is the share of answers "
        "that agree with the label (the posterior for a weighted vote, 1.0 for gold, null "
        "when a lead decided).\n\n" + _table(["label_method", "meaning", "items"], rows)
    )


def _coefficient(value: float | None, reason: str | None) -> str:
    return "n/a" + (f" ({reason})" if reason else "") if value is None else f"{value:.3f}"


def _agreement(facts: CardFacts) -> str:
    agreement = facts.agreement
    level = "ordinal" if facts.spec.task.kind is TaskKind.RATING else "nominal"
    rows = [
        ["Percent agreement", _coefficient(agreement.percent.value, agreement.percent.reason)],
        ["Cohen's κ, mean over pairs", _coefficient(agreement.cohen.value, agreement.cohen.reason)],
        ["Fleiss' κ", _coefficient(agreement.fleiss.value, agreement.fleiss.reason)],
        [
            f"Krippendorff's α ({level})",
            _coefficient(agreement.alpha.value, agreement.alpha.reason),
        ],
    ]
    sample = f" (a sample of {agreement.items:,})" if agreement.sampled else ""
    return (
        "## Agreement\n\n"
        f"Between annotators, over the project's {agreement.population:,} items with sure "
        f"answers from two or more of them{sample}, decided or not.\n\n"
        + _table(["statistic", "value"], rows)
    )


def _people(facts: CardFacts) -> str:
    summary = facts.summary
    versions = ", ".join(
        f"`{version}` ({count:,})" for version, count in sorted(summary.answer_versions.items())
    )
    answers = sum(summary.answer_versions.values())
    text = (
        "## Annotators and guidelines\n\n"
        f"{len(summary.annotators):,} annotators gave the {answers:,} answers in `answers`; "
        "each is named by their Slack user id. "
        f"The guidelines were at version `{facts.guideline_version}` when this was exported"
    )
    return text + (f"; answers per version: {versions}." if versions else ".")


COLUMNS = {
    "id": "the item's id (as imported)",
    "label": "the decided label; null while the item is undecided",
    "label_method": "how the label was decided (above); null while undecided",
    "confidence": "how sure the decision is (above)",
    "status": "`complete`, `open` (waiting for answers) or `in_review` (waiting for a lead)",
    "is_gold": "a gold question, whose label is known in advance",
    "guideline_version": "the guideline version of the item's latest answer",
    "answers": "every current answer: annotator, label (null when unsure), unsure and why, "
    "seconds taken, guideline version, source (`slack` or `import`), created_at (UTC)",
}


def _columns(facts: CardFacts) -> str:
    lines = ["## Columns", ""]
    for name, _feature in facts.columns:
        meaning = COLUMNS.get(name, "the item's field of that name, as text")
        lines.append(f"- `{name}`: {meaning}")
    return "\n".join(lines)


def _loading(facts: CardFacts) -> str:
    first = facts.summary.written[0]
    kind = facts.spec.task.kind
    lines = [
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'dataset = load_dataset("parquet", data_dir="path/to/this/folder")',
    ]
    if kind is TaskKind.MULTI_CHOICE:
        lines.append(f'names = dataset["{first}"].features["label"].feature.names')
    elif kind is not TaskKind.FREE_TEXT:
        lines.append(f'names = dataset["{first}"].features["label"].names')
    return "\n".join([*lines, "```"])
