"""What Label Studio reads back: every exported result names a control and an object of the
labeling config written beside it, with the control's own result type, and `completed_by` is
the `{"email": …}` its importer accepts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.dataio.formats import ExportFormat
from bot.dataio.label_studio_config import labeling_config, names_for, result_for
from bot.dataio.readers import SourceFormat
from bot.projects.spec import ProjectSpec
from storage.db import SessionFactory
from tests.dataio_helpers import run_annotations, run_items, setup_project, write
from tests.factories import make_spec
from tests.test_export import export

CONTROL_TYPES = {"Choices": "choices", "Rating": "rating", "TextArea": "textarea"}


def _config(spec: ProjectSpec) -> ET.Element:
    return ET.fromstring(labeling_config(spec))


def _matches_config(spec: ProjectSpec, region: dict[str, Any]) -> None:
    view = _config(spec)
    controls = {e.get("name"): e for e in view if e.tag in CONTROL_TYPES}
    objects = {e.get("name") for e in view if e.tag in ("Text", "Image", "Audio", "Video")}
    control = controls[region["from_name"]]
    assert CONTROL_TYPES[control.tag] == region["type"]
    assert control.get("toName") == region["to_name"]
    assert region["to_name"] in objects


def test_a_text_project_exports_choices_on_its_first_text_field(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    spec = make_spec()
    setup_project(session_factory, spec)
    run_items(session_factory, "sentiment", write(tmp_path / "i.csv", "id,text\nr1,Great\n"))
    run_annotations(
        session_factory,
        "sentiment",
        write(tmp_path / "a.csv", "id,annotator,value\nr1,U1,positive\n"),
    )

    [task] = json.loads(export(session_factory, ExportFormat.LABEL_STUDIO))
    [annotation] = task["annotations"]

    assert annotation["completed_by"] == {"email": "U1@slack.invalid"}
    _matches_config(spec, annotation["result"][0])
    view = _config(spec)
    choices = next(e for e in view if e.tag == "Choices")
    assert choices.get("choice") == "single"
    assert [c.get("value") for c in choices] == spec.task.choice_values
    assert next(e for e in view if e.tag == "Text").get("value") == "$text"


def test_an_image_project_targets_the_image() -> None:
    spec = make_spec(
        "photos",
        "multi_choice",
        display={"fields": [{"key": "caption"}], "image_field": "url"},
    )

    region = result_for(spec, ["login", "shipping"])[0]

    assert names_for(spec).target == "image"
    assert region["value"] == {"choices": ["login", "shipping"]}
    _matches_config(spec, region)
    view = _config(spec)
    assert next(e for e in view if e.tag == "Image").get("value") == "$url"
    assert next(e for e in view if e.tag == "Choices").get("choice") == "multiple"


def test_a_one_to_n_rating_is_a_label_studio_rating() -> None:
    spec = make_spec("helpful", "rating")

    region = result_for(spec, "4")[0]

    assert (region["type"], region["value"]) == ("rating", {"rating": 4})
    _matches_config(spec, region)
    assert next(e for e in _config(spec) if e.tag == "Rating").get("maxRating") == "5"


def test_a_scale_that_does_not_start_at_one_is_exported_as_choices() -> None:
    spec = make_spec("agree", "rating", task={"kind": "rating", "scale": {"min": 0, "max": 4}})

    region = result_for(spec, "0")[0]

    assert (region["type"], region["value"]) == ("choices", {"choices": ["0"]})
    _matches_config(spec, region)


def test_free_text_is_a_textarea_on_every_field_side_by_side() -> None:
    spec = make_spec(
        "compare",
        "free_text",
        display={"fields": [{"key": "a", "label": "A"}, {"key": "b"}], "layout": "side_by_side"},
    )

    region = result_for(spec, "both fine")[0]

    assert region["type"] == "textarea"
    _matches_config(spec, region)
    assert [e.get("name") for e in _config(spec) if e.tag == "Text"] == ["a", "b"]


def test_our_label_studio_export_imports_back_with_the_slack_ids(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    setup_project(session_factory, make_spec())
    run_items(session_factory, "sentiment", write(tmp_path / "i.csv", "id,text\nr1,Great\n"))
    run_annotations(
        session_factory,
        "sentiment",
        write(tmp_path / "a.csv", "id,annotator,value\nr1,U1,positive\n"),
    )
    exported = write(tmp_path / "ls.json", export(session_factory, ExportFormat.LABEL_STUDIO))
    setup_project(session_factory, make_spec("copy"))
    run_items(session_factory, "copy", exported)
    run_annotations(session_factory, "copy", exported, fmt=SourceFormat.LABEL_STUDIO)

    [record] = [
        json.loads(line)
        for line in export(session_factory, ExportFormat.JSONL, slug="copy").splitlines()
    ]
    assert [a["annotator"] for a in record["annotations"]] == ["U1"]


def test_cli_writes_the_labeling_config_beside_the_export(
    session_factory: SessionFactory,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    setup_project(session_factory, make_spec())
    tasks, config = tmp_path / "tasks.json", tmp_path / "config.xml"

    result = CliRunner().invoke(
        app,
        ["export", "sentiment", "--format", "label-studio", "-o", str(tasks)]
        + ["--label-config", str(config)],
    )

    assert result.exit_code == 0, result.output
    assert ET.fromstring(config.read_text(encoding="utf-8")).tag == "View"


def test_label_config_with_another_format_is_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)

    result = CliRunner().invoke(
        app, ["export", "sentiment", "--format", "csv", "--label-config", str(tmp_path / "c.xml")]
    )

    assert result.exit_code == 1
    assert "--label-config goes with --format label-studio" in " ".join(result.output.split())
