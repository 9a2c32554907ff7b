"""State that travels with review-post buttons and review modals: which review, which choice.

Parsed in one place; anything malformed (a forged or truncated payload) raises ValueError, and
the review it names is still checked against the database and the presser's leadership.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.row_ids import MAX_ROW_ID

MAX_REF = 500


class ReviewRef(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    review_id: int = Field(alias="r", ge=1, le=MAX_ROW_ID)
    choice: str | None = Field(default=None, alias="c", max_length=64)

    def encode(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)

    @classmethod
    def decode(cls, raw: str | None) -> ReviewRef:
        if not raw or len(raw) > MAX_REF:
            raise ValueError("missing or oversized review reference")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise ValueError(f"malformed review reference ({exc.error_count()} problems)") from None
