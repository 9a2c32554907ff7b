"""Form inputs are built and read back by one module, so what a form offers is what is read."""

from __future__ import annotations

from bot.views.inputs import (
    checkboxes_input,
    option,
    select_input,
    submitted,
    submitted_text,
    text_input,
    ticked,
)


def state_of(block: dict, value: dict) -> dict:
    """The `state.values` Slack sends for one input block holding `value`."""
    element = block["element"]
    return {block["block_id"]: {element["action_id"]: {"type": element["type"], **value}}}


def test_a_select_reads_back_the_chosen_options_value() -> None:
    block = select_input("b", "a", "Pick", options=[option("Yes", "y"), option("No", "n")])
    values = state_of(block, {"selected_option": option("No", "n")})
    assert submitted(values, "b", "a") == "n"


def test_checkboxes_read_back_every_ticked_value() -> None:
    block = checkboxes_input("b", "a", "Pick", [option("A", "a"), option("B", "b")])
    values = state_of(block, {"selected_options": [option("A", "a"), option("B", "b")]})
    assert submitted(values, "b", "a") == ["a", "b"]
    assert ticked(values, "a") == ["a", "b"]


def test_a_text_box_reads_back_stripped_and_cut_and_blank_is_none() -> None:
    block = text_input("b", "a", "Say", max_length=10)
    assert submitted_text(state_of(block, {"value": "  hello world  "}), "b", "a", limit=5) == (
        "hello"
    )
    assert submitted_text(state_of(block, {"value": "   "}), "b", "a", limit=5) is None
    assert submitted({}, "b", "a") is None


def test_a_text_box_stays_within_slacks_limits_for_any_prefill() -> None:
    block = text_input("b", "a", "x" * 5000, max_length=10_000, initial="y" * 9000)
    element = block["element"]
    assert element["max_length"] == 3000 and len(element["initial_value"]) == 3000
    assert len(block["label"]["text"]) <= 2000


def test_long_option_texts_are_cut_to_75_characters() -> None:
    assert len(option("z" * 200, "v")["text"]["text"]) <= 75
