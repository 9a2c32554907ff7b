"""The modal behind the "Label this message" and "Add to labeling queue" shortcuts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.projects.spec import TaskKind
from bot.projects.sync import project_spec
from bot.slack.ids import View
from bot.views.blocks import Block, context, plain, safe, section
from bot.views.inputs import modal, option, select_input
from bot.views.redaction import redact
from storage.models import Project
from storage.row_ids import as_row_id

TARGET_BLOCK, TARGET_ACTION = "target", "target"
MAX_OPTIONS = 100
#: Message text up to this length travels in private_metadata; longer text is read again.
INLINE_TEXT = 1500


class MessageRef(BaseModel):
    """The message being labelled, carried in the modal's private_metadata."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    permalink: str | None = Field(default=None, max_length=1000)
    author: str | None = Field(default=None, max_length=32)
    text: str | None = Field(default=None, max_length=INLINE_TEXT)
    label: bool

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def decode(cls, raw: str | None) -> MessageRef | None:
        try:
            return cls.model_validate_json(raw or "")
        except ValidationError:
            return None


def target_value(project_id: int, choice: str | None) -> str:
    return json.dumps({"p": project_id, "c": choice}, separators=(",", ":"))


def parse_target(raw: str | None) -> tuple[int, str | None] | None:
    try:
        data = json.loads(raw or "")
        project_id, choice = as_row_id(data["p"]), data.get("c")
    except (ValueError, KeyError, TypeError):
        return None
    if project_id is None:
        return None
    return project_id, (str(choice) if choice is not None else None)


def render_message_modal(projects: list[Project], text: str, ref: MessageRef) -> dict[str, Any]:
    """One select: per project "add to queue" and, when labeling, each label of single-choice
    projects; the message preview is redacted as the strictest eligible project requires."""
    groups: list[dict[str, Any]] = []
    budget = MAX_OPTIONS
    for project in projects:
        spec = project_spec(project)
        options = [option("Add to queue (no answer)", target_value(project.id, None))]
        if ref.label and spec.task.kind in (TaskKind.SINGLE_CHOICE, TaskKind.RATING):
            options += [
                option(c.button_text, target_value(project.id, c.value))
                for c in spec.task.effective_choices
            ]
        if budget <= 0:
            break
        groups.append({"label": plain(project.title, 75), "options": options[:budget]})
        budget -= len(options[:budget])
    if any(project_spec(p).privacy.redact_pii for p in projects):
        text = redact(text)
    blocks: list[Block] = [
        section(f">{safe(text, 600)}"),
        select_input(
            TARGET_BLOCK,
            TARGET_ACTION,
            "Project" + (" and label" if ref.label else ""),
            option_groups=groups,
        ),
        context(["The same message added twice stays one item."]),
    ]
    title = "Label this message" if ref.label else "Add to queue"
    return modal(View.LABEL_MESSAGE, title, blocks, metadata=ref.encode())
