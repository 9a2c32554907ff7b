"""Any content respects Block Kit limits: checked by slack_sdk's own block models."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.views.blocks import MAX_MESSAGE_BLOCKS, safe
from bot.views.labeling_card import Previous, render_item_card
from bot.views.state import CardState
from storage.row_ids import MAX_ROW_ID
from tests.factories import make_spec

MANY_CHOICES = [
    {"value": f"label_{i}", "text": ("Very long label text " * 3)[:60], "emoji": ":smile:"}
    for i in range(25)
]


def assert_valid(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    for block in Block.parse_all(blocks):
        block.to_dict()  # slack_sdk validates lengths and counts here


def test_a_card_with_25_long_choices_and_huge_fields_stays_within_limits() -> None:
    spec = make_spec(
        task={"kind": "single_choice", "choices": MANY_CHOICES},
        display={
            "fields": [{"key": f"f{i}", "label": "L" * 60} for i in range(6)],
            "metadata": [f"m{i}" for i in range(8)],
            "layout": "side_by_side",
            "image_field": "img",
            "audio_field": "audio",
        },
    )
    data: dict[str, Any] = {f"f{i}": "x&<>" * 5000 for i in range(6)}
    data.update({f"m{i}": "meta " * 200 for i in range(8)})
    data.update({"img": "https://example.com/" + "a" * 3100, "audio": "https://e.com/a.mp3"})
    state = CardState(project_id=1, lease_id=MAX_ROW_ID, session_count=10**6)

    message = render_item_card(
        title="T" * 500,
        spec=spec,
        data=data,
        state=state,
        remaining=10**9,
        today=10**6,
        previous=Previous(1, "L" * 5000, gold_expected="E" * 500, gold_note="N" * 5000),
        notice="n" * 5000,
    )

    assert_valid(message.blocks)
    assert message.text


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=0, max_size=9000))
def test_any_item_text_renders_valid_blocks_without_mentions(text: str) -> None:
    spec = make_spec()
    message = render_item_card(
        title="t",
        spec=spec,
        data={"text": text},
        state=CardState(project_id=1, lease_id=1),
        remaining=1,
        today=0,
    )
    assert_valid(message.blocks)
    body = message.blocks[1]["text"]["text"]
    assert "<" not in body and ">" not in body


def test_escaping_never_cuts_an_entity_in_half() -> None:
    assert safe("&" * 10, 12).endswith("…")
    assert "&am…" not in safe("a&b" * 100, 50)
