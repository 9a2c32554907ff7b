"""When a DM card shows the project's model's guess (`model.suggest: true`), in one place.

A suggestion anchors: people who see one agree with it more often, right or wrong. So it is
opt-in, and shown only where it cannot distort what the labels are measured against: never on
a gold item (it would give away the check, and gold accuracy would measure the model), never
in channel mode (answers there are blind; `bot.views.channel_post` has no suggestion), and
only for a prediction the project's own model made (`prediction_version` set), not an imported
one whose origin the project does not know. Each answer records whether its card showed one
(`Annotation.suggestion_shown`), so anchoring can be measured (`storage.label_models`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.projects.spec import ProjectSpec
from storage.models import Item


@dataclass(frozen=True)
class Suggestion:
    """The model's label for the item (a choice's value) and its probability."""

    label: str
    probability: float


def card_suggestion(spec: ProjectSpec, item: Item) -> Suggestion | None:
    """The suggestion the item's DM card shows, or None (see the module docstring); also None
    without a score, or for a label the project no longer has."""
    if spec.model is None or not spec.model.suggest or item.is_gold:
        return None
    label, probability = item.prediction, item.prediction_score
    if item.prediction_version is None or probability is None or not isinstance(label, str):
        return None
    if label not in spec.task.choice_values:
        return None
    return Suggestion(label, probability)
