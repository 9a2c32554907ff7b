"""The DM labeling card and its other faces: guidelines first, done, stopped, notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.suggestions import Suggestion
from bot.projects.spec import ProjectSpec, TaskKind
from bot.slack.ids import Action
from bot.views.blocks import (
    Block,
    actions,
    button,
    cap_blocks,
    context,
    divider,
    safe,
    section,
)
from bot.views.choices import choice_label
from bot.views.inputs import option
from bot.views.item_content import render_item_content
from bot.views.markdown import sections_within
from bot.views.message import Message
from bot.views.state import CardState

GUIDELINES_PREVIEW = 2900  # one section: the card stays a card


@dataclass(frozen=True)
class Previous:
    """The answer just given, shown above the next item with Undo."""

    annotation_id: int
    label: str
    gold_expected: str | None = None
    gold_note: str | None = None


def progress_line(remaining: int, today: int) -> str:
    return f"{remaining:,} left · you today: {today:,}"


def render_item_card(
    *,
    title: str,
    spec: ProjectSpec,
    data: dict[str, Any],
    state: CardState,
    remaining: int,
    today: int,
    previous: Previous | None = None,
    notice: str | None = None,
    suggestion: Suggestion | None = None,
) -> Message:
    """The item and its answer controls; `suggestion` is the model's guess, shown under the
    item (the flow decides when: `bot.domain.suggestions`, and records it in `state`)."""
    blocks: list[Block] = []
    if previous is not None:
        blocks.extend(_previous_blocks(state, previous))
    if notice:
        blocks.append(context([safe(notice, 500)]))
    blocks.append(section(f"*{safe(title, 150)}*  ·  {progress_line(remaining, today)}"))
    content = render_item_content(spec, data)
    blocks.extend(content.blocks)
    if suggestion is not None:
        blocks.append(context([suggestion_line(spec, suggestion)]))
    if spec.task.question:
        blocks.append(context([f"*{safe(spec.task.question, 300)}*"]))
    blocks.extend(_answer_controls(spec, state))
    blocks.append(_session_controls(spec, state, truncated=content.truncated))
    text = f"{title}: {content.fallback}" if content.fallback else f"{title}: next item"
    return Message(blocks=cap_blocks(blocks), text=text)


def suggestion_line(spec: ProjectSpec, suggestion: Suggestion) -> str:
    """The line under the item, "Model suggests: 🙂 Positive (0.83)": the choice as its button
    shows it (emoji and text), the probability to two decimals."""
    label = safe(choice_label(spec, suggestion.label), 200)
    return f"Model suggests: {label} ({suggestion.probability:.2f})"


def _previous_blocks(state: CardState, previous: Previous) -> list[Block]:
    undo = button("Undo", Action.UNDO, state.encode(annotation_id=previous.annotation_id))
    blocks = [section(f"✓ Recorded *{safe(previous.label, 200)}*", accessory=undo)]
    if previous.gold_expected is not None:
        note = f"\n{safe(previous.gold_note, 1500)}" if previous.gold_note else ""
        expected = safe(previous.gold_expected, 200)
        blocks.append(section(f":warning: This was a check item. Expected *{expected}*.{note}"))
    blocks.append(divider())
    return blocks


def _answer_controls(spec: ProjectSpec, state: CardState) -> list[Block]:
    task = spec.task
    if task.kind is TaskKind.MULTI_CHOICE:
        options = [option(c.button_text, c.value) for c in task.effective_choices]
        checkboxes = {"type": "checkboxes", "action_id": Action.CHOICES, "options": options}
        return [
            {"type": "actions", "block_id": "choices", "elements": [checkboxes]},
            actions(
                [button("Submit", Action.SUBMIT_CHOICES, state.encode(), style="primary")],
                block_id="submit",
            ),
        ]
    if task.kind is TaskKind.FREE_TEXT:
        return [
            actions(
                [button("Answer…", Action.OPEN_FREE_TEXT, state.encode(), style="primary")],
                block_id="answer",
            )
        ]
    buttons = [
        button(c.button_text, f"{Action.ANSWER}:{c.value}", state.encode(choice=c.value))
        for c in task.effective_choices
    ]
    return [actions(buttons, block_id="answer")]


def _session_controls(spec: ProjectSpec, state: CardState, *, truncated: bool) -> Block:
    """Unsure, Skip, Stop: quieter than the answers (no style), which are the card's point."""
    value = state.encode()
    elements = []
    if spec.review.allow_unsure:
        elements.append(button("Unsure…", Action.UNSURE, value))
    elements.append(button("Skip", Action.SKIP, value))
    elements.append(button("Stop", Action.STOP, value))
    if truncated:
        elements.append(button("Show full text", Action.SHOW_FULL_TEXT, value))
    return actions(elements, block_id="controls")


def render_guidelines_card(
    *, title: str, guidelines: str, version: str, url: str | None, state: CardState, changed: bool
) -> Message:
    intro = (
        "The guidelines changed since you last read them."
        if changed
        else "Before your first item, please read the guidelines."
    )
    body, shortened = sections_within(guidelines, GUIDELINES_PREVIEW)
    if shortened:
        more = "the full guidelines" if url else "`/label guidelines`"
        intro += f" Shortened here: {more} has the rest."
    elements = [
        button(
            "I've read these", Action.ACK_GUIDELINES, state.encode(version=version), style="primary"
        ),
    ]
    if url:
        elements.append(button("Open full guidelines", Action.OPEN_LINK, None, url=url))
    blocks = [
        section(f"*{safe(title, 150)}*: guidelines (version {safe(version, 64)})"),
        context([intro]),
        *(section(chunk) for chunk in body or ["_(no guidelines yet)_"]),
        actions(elements, block_id="guidelines"),
    ]
    return Message(blocks=blocks, text=f"{title}: please read the guidelines")


def render_done_card(
    *, title: str, session_count: int, today: int, previous: Previous | None, state: CardState
) -> Message:
    blocks: list[Block] = []
    if previous is not None:
        blocks.extend(_previous_blocks(state, previous))
    blocks.append(section(f"*{safe(title, 150)}*: nothing left for you right now. :tada:"))
    blocks.append(context([f"This session: {session_count:,} · today: {today:,}"]))
    return Message(blocks=blocks, text=f"{title}: all done for now")


def render_superseded_card(title: str) -> Message:
    """An older card once a newer one is live: no buttons, a pointer to the newer card."""
    blocks: list[Block] = [
        section(f"*{safe(title, 150)}*: continued in a newer card below :arrow_down:"),
    ]
    return Message(blocks=blocks, text=f"{title}: continued below")


def render_stopped_card(*, title: str, session_count: int, today: int, state: CardState) -> Message:
    blocks = [
        section(f"*{safe(title, 150)}*: paused. Your held item went back to the queue."),
        context([f"This session: {session_count:,} · today: {today:,}"]),
        actions(
            [
                button(
                    "Start labeling", Action.START_LABELING, str(state.project_id), style="primary"
                )
            ],
            block_id="restart",
        ),
    ]
    return Message(blocks=blocks, text=f"{title}: paused")
