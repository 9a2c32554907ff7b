"""The export as Prodigy JSONL: one line per current answer, the shape `prodigy db-out` writes,
so a team can take its history to Prodigy (`prodigy db-in`) or read it with Prodigy's tools.

Each line is a choice task (`options` = the project's choices, `accept` = the chosen values;
`text_input` with `user_input` for free text) with `answer: accept`. The item's id, final label
and how it was decided travel in `meta`; an undecided item's lines have both null. An unsure
answer carries `meta.unsure: true`; one with no label is written `answer: ignore`. Items nobody
answered have no line (Prodigy keeps answers only). What `prodigy` reads back is symmetrical.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from bot.dataio.prodigy import FREE_TEXT_KEY, QUESTION_KEYS
from bot.projects.spec import ProjectSpec, TaskKind

#: The keys Prodigy hashes into `_input_hash` (`prodigy.util.INPUT_HASH_KEYS`).
INPUT_HASH_KEYS = ("text", "image", "html", "input")

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_canonical = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def stable_hash(value: Any) -> int:
    """A signed 32-bit integer from `value`'s canonical JSON, like Prodigy's hashes in range
    and meaning, stable across runs and machines; Prodigy uses MurmurHash, so the numbers
    differ from what Prodigy would compute for the same task."""
    digest = hashlib.sha256(_canonical(value).encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def _unix(moment: str) -> int:
    """`_timestamp`: whole Unix seconds, as Prodigy writes it."""
    return int(datetime.fromisoformat(moment).timestamp())


class ProdigyWriter:
    def __init__(self, spec: ProjectSpec, slug: str) -> None:
        task = spec.task
        self.slug = slug
        self.free_text = task.kind is TaskKind.FREE_TEXT
        self.options = [{"id": c.value, "text": c.text} for c in task.effective_choices]
        self.view = "text_input" if self.free_text else "choice"
        self.question: Any = FREE_TEXT_KEY if self.free_text else self.options
        self.multi = task.kind is TaskKind.MULTI_CHOICE

    def begin(self) -> str:
        return ""

    def end(self) -> str:
        return ""

    def item(self, record: dict[str, Any]) -> str:
        current = [a for a in record["annotations"] if not a["superseded"]]
        if not current:
            return ""
        task, meta = _split(record["data"])
        meta.update(
            external_id=record["external_id"],
            final_label=record["final_label"],
            final_method=record["final_method"],
        )
        input_hash = stable_hash({k: task[k] for k in INPUT_HASH_KEYS if k in task} or task)
        hashes = (input_hash, stable_hash([input_hash, self.question]))
        return "".join([self._line(task, meta, answer, hashes) for answer in current])

    def _line(
        self, task: dict[str, Any], meta: dict[str, Any], answer: dict[str, Any], hashes: Any
    ) -> str:
        value = answer["value"]
        line = {**task, "meta": {**meta, "unsure": True} if answer["unsure"] else meta}
        if not self.free_text:
            line["options"] = self.options
        line["_input_hash"], line["_task_hash"] = hashes
        line["_view_id"] = self.view
        if self.free_text:
            if value is not None:
                line[FREE_TEXT_KEY] = value
        else:
            line["accept"] = [] if value is None else value if isinstance(value, list) else [value]
            if self.multi:
                line["config"] = {"choice_style": "multiple"}
        line["answer"] = "ignore" if value is None else "accept"
        line["_timestamp"] = _unix(answer["created_at"])
        line["_annotator_id"] = answer["annotator"]
        line["_session_id"] = f"{self.slug}-{answer['annotator']}"
        return _json(line) + "\n"


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The item's data as a task's input keys, and its `meta`: the data's own `meta` object,
    plus any data key that Prodigy reserves (`label`, `options`, `_...`), which would
    otherwise be read as part of the question or answer."""
    task: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, value in data.items():
        if key == "meta" and isinstance(value, dict):
            meta.update(value)
        elif key == "meta" or key in QUESTION_KEYS or key.startswith("_"):
            meta[key] = value
        else:
            task[key] = value
    return task, meta
