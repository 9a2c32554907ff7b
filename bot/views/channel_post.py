"""An item posted in the labeling channel: answer buttons and a blind answer count."""

from __future__ import annotations

from bot.projects.spec import ProjectSpec
from bot.slack.ids import Action
from bot.views.blocks import Block, actions, button, cap_blocks, context, safe, section
from bot.views.item_content import ref_suffix, ref_words, render_item_content
from bot.views.message import Message
from bot.views.state import CardState
from storage.models import Item, ItemStatus, Project

DONE_PREVIEW = 300


def render_channel_post(project: Project, spec: ProjectSpec, item: Item) -> Message:
    """Open: content, buttons, "n of m answers". Done: compact content, no buttons.

    The count never says which answers were given, so labeling stays blind.
    """
    done = item.status is not ItemStatus.OPEN
    content = render_item_content(spec, item.data, limit=DONE_PREVIEW if done else None)
    blocks: list[Block] = [section(f"*{safe(project.title, 150)}*{ref_suffix(item.external_id)}")]
    blocks.extend(content.blocks)
    count = f"{item.answer_count} of {item.required_answers} answers"
    if done:
        blocks.append(context([f"✓ Done · {count}"]))
        done_text = f"{project.title}: {ref_words(item.external_id)} done"
        return Message(cap_blocks(blocks), done_text)
    state = CardState(project_id=project.id, item_id=item.id)
    buttons = [
        button(c.button_text, f"{Action.CHANNEL_ANSWER}:{c.value}", state.encode(choice=c.value))
        for c in spec.task.effective_choices
    ]
    blocks.append(actions(buttons, block_id="channel_answer"))
    blocks.append(context([count]))
    return Message(cap_blocks(blocks), f"{project.title}: {content.fallback}")
