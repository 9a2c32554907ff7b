"""The project's own model (`model:` in the project file): what it learns from and how often.

Off unless the file asks for it. The model needs scikit-learn and cleanlab, which are an
optional extra; a project that asks for a model without them fails validation with the
command that installs them, instead of failing later in the scheduler.
"""

from __future__ import annotations

import importlib.util
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: What `pip install` needs for `model:`; named in the validation error.
MODEL_EXTRA = "pip install 'slack-labeler[model]'"
MODEL_LIBRARIES = ("sklearn", "cleanlab")


def missing_libraries() -> list[str]:
    return [name for name in MODEL_LIBRARIES if importlib.util.find_spec(name) is None]


class ModelPolicy(BaseModel):
    """`text-logreg`: TF-IDF word and character n-grams and a calibrated logistic regression,
    trained on `field` of the decided items (docs/model.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text-logreg"]
    field: str = Field(min_length=1, max_length=64, description="the item field the model reads")
    retrain_every: int = Field(
        default=50, ge=1, le=1_000_000, description="new decided labels that trigger training"
    )
    min_labels: int = Field(
        default=30, ge=10, le=1_000_000, description="decided labels before the first training"
    )
    suggest: bool = Field(default=False, description="show the model's guess on cards")
    label_errors_per_day: int = Field(
        default=5, ge=0, le=200, description="possible label errors posted for review per day"
    )
    max_train_items: int = Field(
        default=50_000, ge=100, le=1_000_000, description="the newest decided labels trained on"
    )
    max_train_seconds: float = Field(
        default=300, ge=5, le=3600, description="a training run stops after this long"
    )

    @model_validator(mode="after")
    def _libraries_installed(self) -> Self:
        missing = missing_libraries()
        if missing:
            raise ValueError(
                f"a model needs {' and '.join(missing)} (not installed here): {MODEL_EXTRA}"
            )
        return self
