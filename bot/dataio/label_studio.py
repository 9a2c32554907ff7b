"""Label Studio's JSON task format, both directions.

A task is `{"data": {...}, "meta": {...}, "annotations": [...], "predictions": [...]}`; each
annotation or prediction has a `result` list of regions such as
`{"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["pos"]}}`
(`type: textarea` with `value.text` for free text). See labelstud.io/guide/task_format. What
our export writes, and the labeling config it matches, is `label_studio_config`.
"""

from __future__ import annotations

from typing import Any

from bot.dataio.label_studio_config import annotator_of
from bot.dataio.paths import value_at
from bot.dataio.problems import RecordError


def external_id_of(task: dict[str, Any], id_field: str | None) -> str | None:
    """The item's id: `data.<id_field>`, else for a dotted path the path from the task
    (`meta.uid`, `data.doc.id`), else `meta.external_id` (our export), else the task id."""
    data = task.get("data")
    if id_field and isinstance(data, dict):
        found = value_at(data, id_field)
        if found in (None, "") and "." in id_field:
            found = value_at(task, id_field)
        if found not in (None, ""):
            return str(found)
    meta = task.get("meta")
    if isinstance(meta, dict) and meta.get("external_id") not in (None, ""):
        return str(meta["external_id"])
    if task.get("id") not in (None, ""):
        return str(task["id"])
    return None


def task_data(task: dict[str, Any]) -> dict[str, Any]:
    data = task.get("data")
    if not isinstance(data, dict):
        raise RecordError("a Label Studio task needs a `data` object")
    return data


def result_value(result: Any) -> Any:
    """The answer in a `result` list: choices (a list), textarea text, or a rating; None if none."""
    if not isinstance(result, list):
        raise RecordError("`result` must be a list")
    choices: list[Any] = []
    texts: list[str] = []
    for region in result:
        value = region.get("value") if isinstance(region, dict) else None
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("choices"), list):
            choices.extend(value["choices"])
        elif isinstance(value.get("text"), list):
            texts.extend(str(t) for t in value["text"])
        elif isinstance(value.get("text"), str):
            texts.append(value["text"])
        elif isinstance(value.get("rating"), int | float):
            choices.append(value["rating"])
    if texts:
        return "\n".join(texts)
    return choices or None


def first_prediction(task: dict[str, Any]) -> tuple[Any, float | None]:
    """The first prediction's value and score (Label Studio may list several model versions)."""
    predictions = task.get("predictions")
    if not isinstance(predictions, list):
        return None, None
    for prediction in predictions:
        if not isinstance(prediction, dict):
            continue
        value = result_value(prediction.get("result", []))
        if value is not None:
            score = prediction.get("score")
            return value, float(score) if isinstance(score, int | float) else None
    return None, None


def completed_by(annotation: dict[str, Any]) -> str | None:
    """Label Studio writes a user id, or an object with `email`/`id`; we keep a readable one
    (our own export's `<Slack id>@slack.invalid` becomes the Slack id again)."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("email") or who.get("username") or who.get("id")
    if who is None or who == "":
        return None
    return annotator_of(str(who))
