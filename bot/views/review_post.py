"""The review-channel post: the item, why it is here, every answer, and the leads' controls.

Pure rendering from a `ReviewPost` snapshot. User text is escaped; people appear by display
name, never as notifying mentions (imported annotator names as they are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.labeling import UNSURE_REASONS
from bot.projects.spec import ProjectSpec, TaskKind
from bot.slack.ids import Action
from bot.views.blocks import (
    MAX_TEXT,
    Block,
    actions,
    button,
    cap_blocks,
    context,
    fields_section,
    plain,
    safe,
    section,
)
from bot.views.choices import choice_label
from bot.views.item_content import ref_suffix, ref_words, render_item_content
from bot.views.markdown import shorten, to_mrkdwn
from bot.views.message import Message
from bot.views.people import named
from bot.views.review_state import ReviewRef
from storage.models import Item, ReviewReason, ReviewStatus

EXCERPT = 700
NOTE = 500
ANSWER_BUDGET = MAX_TEXT - 200


@dataclass(frozen=True)
class AnswerLine:
    annotator: str
    value: Any
    unsure: bool = False
    unsure_reason: str | None = None
    unsure_note: str | None = None


@dataclass(frozen=True)
class LabelDoubt:
    """Why the project's model questions the decided label (`storage.models.LabelIssue`)."""

    model_version: int
    given: Any
    given_probability: float
    suggested: Any
    suggested_probability: float

    @property
    def differs(self) -> bool:
        return bool(self.suggested != self.given)


@dataclass(frozen=True)
class ReviewPost:
    """Everything the post shows, read in one transaction."""

    review_id: int
    title: str
    spec: ProjectSpec
    item: Item
    reasons: list[ReviewReason]
    requested_by: str | None
    answers: list[AnswerLine]
    agreement: float | None
    majority: Any
    posterior: list[tuple[str, float]] | None = None  # weighted vote, most probable first
    excerpts: list[tuple[str, str]] = field(default_factory=list)
    status: ReviewStatus = ReviewStatus.OPEN
    resolution: Any = None
    resolver: str | None = None
    note: str | None = None
    edge_case: tuple[str, str] | None = None  # (marked by, what makes it hard)
    names: Mapping[str, str] = field(default_factory=dict)  # Slack id -> display name
    label_doubt: LabelDoubt | None = None  # a possible label error: the model's probabilities

    @property
    def suggested(self) -> Any:
        """The label the post highlights (and the resolve form preselects): nothing for a
        possible label error, where the question is whether the people or the model are right
        and a highlight would push the lead towards one of them; else the weighted vote's top
        label where the project weighs answers (the raw majority may rest on a spammer), else
        the plain majority; nothing on a tie."""
        if self.label_doubt is not None:
            return None
        if self.posterior is None:
            return self.majority
        if len(self.posterior) > 1 and self.posterior[0][1] - self.posterior[1][1] < 1e-9:
            return None
        return self.posterior[0][0]

    def who(self, user_id: str | None) -> str:
        """A person in the post, by name: a review post never notifies anyone."""
        return named(user_id, self.names)


def reason_text(post: ReviewPost) -> str:
    """Every reason the item is held for, in the order they arrived."""
    return "; ".join(_reason(post, reason) for reason in post.reasons)


def _reason(post: ReviewPost, reason: ReviewReason) -> str:
    review = post.spec.review
    if reason is ReviewReason.UNSURE:
        return "an annotator was unsure"
    if reason is ReviewReason.DISAGREEMENT:
        if post.agreement is None:
            return "answers disagree"
        share, bar = shares(post.agreement, review.agreement_threshold)
        if post.majority is None:
            return f"answers are tied ({share} each for the top answers)"
        return f"answers disagree ({share} agree; {bar} is needed to decide)"
    if reason is ReviewReason.NOT_CONFIDENT:
        if not post.posterior:
            return "the weighted vote is not sure enough"
        label, top = post.posterior[0]
        sure, bar = shares(top, post.spec.consensus.confidence)
        shown = safe(choice_label(post.spec, label), 100)
        return (
            f"the weighted vote is not sure enough after {len(post.answers)} answers: "
            f"{sure} for {shown}, {bar} is needed to decide"
        )
    if reason is ReviewReason.POSSIBLE_LABEL_ERROR:
        return _label_error(post)
    if reason is ReviewReason.QA_SAMPLE:
        return f"drawn for QA ({review.qa_sample_rate:.0%} of completed items are checked)"
    if post.reasons[0] is ReviewReason.MANUAL:  # `requested_by` is who opened the review
        return f"sent to review by {post.who(post.requested_by)}"
    return "sent to review by a lead"


def _label_error(post: ReviewPost) -> str:
    """The model's probability for the decided label and for its own label."""
    doubt = post.label_doubt
    if doubt is None:
        return "possible label error: the project's model finds the decided label unlikely"
    given = safe(choice_label(post.spec, doubt.given), 100)
    model = f"possible label error: the project's model (v{doubt.model_version}) gives *{given}*"
    if not doubt.differs:
        return f"{model}, the decided label, only {percent(doubt.given_probability)}"
    suggested = safe(choice_label(post.spec, doubt.suggested), 100)
    return (
        f"{model}, the decided label, {percent(doubt.given_probability)}, "
        f"and *{suggested}* {percent(doubt.suggested_probability)}"
    )


def percent(value: float) -> str:
    """A probability as a whole percentage, never rounded to a certain 0% or 100%."""
    if 0 < value < 0.005:
        return "under 1%"
    if 0.995 < value < 1:
        return "over 99%"
    return f"{value:.0%}"


def shares(value: float, bar: float) -> tuple[str, str]:
    """Two shares as percentages, with a decimal when whole percents would look equal (2 of
    3 agreeing is 66.7%, under a bar of 67%, not "67% of 67%")."""
    if round(value * 100) == round(bar * 100) and value != bar:
        return f"{value:.1%}", f"{bar:.1%}"
    return f"{value:.0%}", f"{bar:.0%}"


def render_review_post(post: ReviewPost) -> Message:
    spec, item = post.spec, post.item
    blocks: list[Block] = [
        section(f"*{safe(post.title, 150)}*{ref_suffix(item.external_id)}"),
        context([f":mag: *Why it is here:* {reason_text(post)}"]),
    ]
    blocks.extend(render_item_content(spec, item.data).blocks)
    blocks.append(section(_answers_text(post)))
    if post.posterior:
        shares = " · ".join(
            f"{safe(choice_label(spec, label), 100)} {p:.0%}" for label, p in post.posterior
        )
        blocks.append(context([f":scales: *Weighted vote* (by each annotator's record): {shares}"]))
    reference = _reference_fields(spec, item, model=post.label_doubt is None)
    if reference:
        blocks.append(fields_section(reference))
    for label, excerpt in post.excerpts[:3]:
        rule = shorten(to_mrkdwn(excerpt), EXCERPT)
        blocks.append(section(f"*Guidelines · {safe(label, 100)}*\n{rule}"))
    if post.edge_case is not None:
        who, what = post.edge_case
        blocks.append(
            context([f":triangular_flag_on_post: Edge case ({post.who(who)}): {safe(what, NOTE)}"])
        )
    if post.status is ReviewStatus.OPEN:
        blocks.extend(_lead_controls(post))
        why = ", ".join(reason.value for reason in post.reasons)
        text = f"{post.title}: {ref_words(item.external_id)} needs review ({why})"
    else:
        outcome = decision_text(post)
        blocks.append(section(outcome))
        text = f"{post.title}: {ref_words(item.external_id)}: {outcome}"
    return Message(blocks=cap_blocks(blocks), text=text[:300])


def decision_text(post: ReviewPost) -> str:
    who = post.who(post.resolver)
    note = f"\n> {safe(post.note, NOTE)}" if post.note else ""
    if post.status is ReviewStatus.SENT_BACK:
        needed = post.item.required_answers
        back = ":leftwards_arrow_with_hook: *Sent back* for more answers"
        return f"{back} by {who} (now {needed} needed){note}"
    label = safe(choice_label(post.spec, post.resolution), 300)
    return f":white_check_mark: *Resolved as {label}* by {who}{note}"


def _answers_text(post: ReviewPost) -> str:
    answers = post.answers
    if not answers:
        return "*Answers so far*\n_No answers yet._"
    lines: list[str] = []
    used = 0
    for index, answer in enumerate(answers):
        line = _answer_line(post, answer)
        if used + len(line) > ANSWER_BUDGET:
            lines.append(f"…and {len(answers) - index} more")
            break
        lines.append(line)
        used += len(line) + 1
    return "*Answers so far*\n" + "\n".join(lines)


def _answer_line(post: ReviewPost, answer: AnswerLine) -> str:
    spec, who = post.spec, post.who(answer.annotator)
    if not answer.unsure:
        return f"• {who}: *{safe(choice_label(spec, answer.value), 300)}*"
    reason = UNSURE_REASONS.get(answer.unsure_reason or "", answer.unsure_reason or "no reason")
    note = f": “{safe(answer.unsure_note, NOTE)}”" if answer.unsure_note else ""
    return f"• {who}: _Unsure_ ({safe(reason, 100)}){note}"


def _reference_fields(spec: ProjectSpec, item: Item, *, model: bool) -> list[str]:
    """The gold answer, and the item's stored prediction unless the model's newer word on the
    item (a possible label error) is in the reason already."""
    fields = []
    if item.gold_answer is not None:
        note = f"\n{safe(item.gold_note, 300)}" if item.gold_note else ""
        fields.append(f"*Gold answer*\n{safe(choice_label(spec, item.gold_answer), 300)}{note}")
    if model and item.prediction is not None:
        score = f" ({item.prediction_score:.2f})" if item.prediction_score is not None else ""
        fields.append(
            f"*Model prediction*\n{safe(choice_label(spec, item.prediction), 300)}{score}"
        )
    return fields


def _lead_controls(post: ReviewPost) -> list[Block]:
    """One-click "Resolve as X" per choice (single choice and rating), then the other actions.

    Multi-choice and free-text answers need a form, so those projects get "Resolve…" only.
    """
    spec, blocks = post.spec, []
    ref = ReviewRef(review_id=post.review_id)
    single = spec.task.kind in (TaskKind.SINGLE_CHOICE, TaskKind.RATING)
    if single:
        buttons = [
            button(
                f"Resolve as {c.button_text}",
                f"{Action.RESOLVE}:{c.value}",
                ReviewRef(review_id=post.review_id, choice=c.value).encode(),
                style="primary" if c.value == post.suggested else None,
            )
            for c in spec.task.effective_choices
        ]
        blocks.append(actions(buttons, block_id="review_resolve"))
    value = ref.encode()
    controls = [
        button("Resolve with a note…" if single else "Resolve…", Action.OPEN_RESOLVE, value),
        button("Mark as edge case…", Action.MARK_EDGE_CASE, value),
        _confirmed(button("Send back for more answers", Action.SEND_BACK, value)),
    ]
    blocks.append(actions(controls, block_id="review_controls"))
    return blocks


def _confirmed(element: Block) -> Block:
    element["confirm"] = {
        "title": plain("Send back?", 100),
        "text": plain("The item needs one more answer and returns to the labeling queues."),
        "confirm": plain("Send back", 30),
        "deny": plain("Cancel", 30),
    }
    return element
