"""How an answer value reads to people: a choice's button text (with its emoji), several for
multi-choice, free text as written."""

from __future__ import annotations

from bot.projects.spec import ProjectSpec


def choice_label(spec: ProjectSpec, value: object) -> str:
    """Display text for an answer value (a list for multi-choice, free text as is)."""
    by_value = {c.value: c.button_text for c in spec.task.effective_choices}
    if isinstance(value, list):
        return ", ".join(by_value.get(str(v), str(v)) for v in value) or "(none)"
    return by_value.get(str(value), str(value))
