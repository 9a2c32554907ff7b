"""Form inputs, built and read back in one place: the modal shell, text boxes, selects and
checkboxes as Block Kit wants them, and their values out of a `view_submission`'s
`view.state.values` (or a message's `state.values`, for checkboxes on a card).

Every builder clips its texts to Block Kit's limits, so a form is valid for any content.
"""

from __future__ import annotations

from typing import Any

from bot.views.blocks import MAX_VIEW_BLOCKS, Block, plain

Values = dict[str, Any]

MAX_LABEL = 2000  # an input block's label
MAX_OPTION_TEXT = 75
MAX_TEXT_INPUT = 3000  # plain_text_input's max_length


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    metadata: str = "",
    submit: str | None = "Save",
) -> dict[str, Any]:
    """A modal view; without `submit` it is read-only and its one button says Close."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Cancel" if submit else "Close", 24),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, MAX_OPTION_TEXT), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, MAX_LABEL),
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def text_input(
    block_id: str,
    action_id: str,
    label: str,
    *,
    max_length: int,
    optional: bool = False,
    initial: str | None = None,
) -> Block:
    """A multi-line text box; the prefill is cut to what the box accepts."""
    length = max(1, min(max_length, MAX_TEXT_INPUT))
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": True,
        "max_length": length,
    }
    if initial:
        element["initial_value"] = initial[:length]
    return _input(block_id, label, element, optional=optional)


def select_input(
    block_id: str,
    action_id: str,
    label: str,
    *,
    options: list[dict[str, Any]] | None = None,
    option_groups: list[dict[str, Any]] | None = None,
    initial: dict[str, Any] | None = None,
    placeholder: str | None = None,
) -> Block:
    """A static select, of options or of option groups."""
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id}
    if option_groups is not None:
        element["option_groups"] = option_groups
    else:
        element["options"] = options or []
    if initial is not None:
        element["initial_option"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return _input(block_id, label, element, optional=False)


def checkboxes_input(
    block_id: str,
    action_id: str,
    label: str,
    options: list[dict[str, Any]],
    *,
    initial: list[dict[str, Any]] | None = None,
) -> Block:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": action_id, "options": options}
    if initial:
        element["initial_options"] = initial
    return _input(block_id, label, element, optional=False)


def form_values(body: dict[str, Any]) -> Values:
    """A view submission's `view.state.values`."""
    return dict(((body.get("view") or {}).get("state") or {}).get("values") or {})


def submitted(values: Values, block: str, action: str) -> Any:
    """One input's value: the chosen option's value (select), the ticked values (checkboxes),
    or the text; None when the input is missing or empty."""
    element = (values.get(block) or {}).get(action) or {}
    kind = element.get("type")
    if kind == "checkboxes":
        return [str(o.get("value")) for o in element.get("selected_options") or []]
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")


def submitted_text(values: Values, block: str, action: str, *, limit: int) -> str | None:
    """A text input's value, stripped and cut to `limit`; None when blank."""
    value = submitted(values, block, action)
    text = str(value).strip() if value is not None else ""
    return text[:limit] or None


def ticked(values: Values, action: str) -> list[str]:
    """The ticked boxes of the checkboxes `action`, in whichever block holds them."""
    for block in values.values():
        element = block.get(action)
        if element is not None:
            return [str(o.get("value")) for o in element.get("selected_options") or []]
    return []
