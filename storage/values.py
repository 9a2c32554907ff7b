"""The shape of a stored answer or label, shared by the queries that load them and the
metrics that read them (storage defines it, so it imports nothing from `bot`)."""

from __future__ import annotations

from typing import TypeAlias

AnswerValue: TypeAlias = str | int | float | list[str] | None
"""A stored answer or label: one choice, a rating, a multi-choice list, or nothing."""
