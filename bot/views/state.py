"""State that travels with a card inside button values and modal `private_metadata`.

Parsed in one place; anything malformed (a forged or truncated payload) raises ValueError, and
every id is within a row id's range, so none can overflow the database driver.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.row_ids import MAX_ROW_ID, as_row_id

MAX_METADATA = 3000


class CardState(BaseModel):
    """Where a DM card stands: project, the lease it shows, the running session count, and
    whether it shows the model's suggestion."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    project_id: int = Field(alias="p", ge=1, le=MAX_ROW_ID)
    lease_id: int | None = Field(default=None, alias="l", ge=1, le=MAX_ROW_ID)
    session_count: int = Field(default=0, alias="n", ge=0, le=MAX_ROW_ID)
    annotation_id: int | None = Field(default=None, alias="a", ge=1, le=MAX_ROW_ID)
    choice: str | None = Field(default=None, alias="c", max_length=64)
    item_id: int | None = Field(default=None, alias="i", ge=1, le=MAX_ROW_ID)
    version: str | None = Field(default=None, alias="v", max_length=64)
    response_url: str | None = Field(default=None, alias="r", max_length=500)
    #: The card shows the model's suggestion (`bot.domain.suggestions`): the answer records it.
    suggested: bool | None = Field(default=None, alias="s")

    def encode(self, **changes: object) -> str:
        state = self.model_copy(update=changes) if changes else self
        raw = state.model_dump_json(by_alias=True, exclude_none=True)
        if len(raw) > MAX_METADATA:
            raise ValueError("card state too large")
        return raw

    @classmethod
    def decode(cls, raw: str | None) -> CardState:
        if not raw or len(raw) > MAX_METADATA:
            raise ValueError("missing or oversized card state")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as exc:
            raise ValueError(f"malformed card state ({exc.error_count()} problems)") from None


class Clicked(BaseModel):
    """The message a click came from (channel and ts), read from the payload's container:
    which card a click belongs to, or which channel post to update."""

    model_config = ConfigDict(frozen=True)

    channel: str
    ts: str

    @classmethod
    def from_body(cls, body: dict[str, object]) -> Clicked | None:
        container = body.get("container")
        if not isinstance(container, dict) or container.get("is_ephemeral"):
            return None
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if not isinstance(channel, str) or not isinstance(ts, str) or not channel or not ts:
            return None
        return cls(channel=channel, ts=ts)


def decode_row_id(raw: str | None) -> int:
    """A button value that is a row id (an item, a project, a quarantine): ValueError for
    anything else, forged or garbled."""
    found = as_row_id(raw or "")
    if found is None:
        raise ValueError("not a row id")
    return found


def decode_picked(raw: str | None) -> int:
    """A project picker's `guidelines:<project id>`; ValueError for anything else."""
    kind, _, number = str(raw or "").partition(":")
    if kind != "guidelines":
        raise ValueError("not a picker choice")
    return decode_row_id(number)
