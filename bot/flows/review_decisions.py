"""Leads decide reviews: resolve, send back for more answers, mark as an edge case.

Each function checks on the server that the person leads the review's project (whatever the
button or form claimed), stores the decision and its audit entry in the caller's transaction,
and returns what to tell Slack after the ack, or a `Refusal` with nothing changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.access import is_lead
from bot.domain.completion import reopen
from bot.domain.consensus import answer_key
from bot.domain.item_state import decide, is_gold
from bot.domain.labeling import validate_value
from bot.flows.effects import DirectMessage, Effect, OpenModal, Outcome, Post, Refusal, Update
from bot.flows.review import item_preview, render_post, review_post
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.views.blocks import safe
from bot.views.choices import choice_label
from bot.views.message import Message
from bot.views.people import SLACK_USER_ID, named
from bot.views.review_modals import render_edge_case_modal, render_resolve_modal
from bot.views.review_notes import render_dissent_dm, render_thread_note
from bot.views.review_post import decision_text
from bot.views.review_state import ReviewRef
from storage import label_models
from storage import reviews as review_rows
from storage.models import (
    EdgeCase,
    FinalMethod,
    Item,
    Project,
    Review,
    ReviewReason,
    ReviewStatus,
)
from storage.projects import project_by_id

NOT_LEAD = "Only a lead of {title} can decide its reviews."
GONE = "That review no longer exists."


def authorize(session: Session, services: Services, ref: ReviewRef, user: str) -> Review | Refusal:
    """The open review named by `ref` if `user` leads its project, else a refusal."""
    review = session.get(Review, ref.review_id)
    project = project_by_id(session, review.project_id) if review is not None else None
    if review is None or project is None:
        return Refusal(GONE)
    if not is_lead(project_spec(project), user, services.directory):
        return Refusal(NOT_LEAD.format(title=project.title))
    if review.status is not ReviewStatus.OPEN:
        decided = decision_text(review_post(session, review, services.directory))
        return Refusal("Already decided: " + decided)
    return review


def _lead(services: Services, user: str) -> str:
    """The deciding lead by name in the thread: no ping for their own decision."""
    return named(user, {user: services.directory.display_name(user) or user})


def _project_item(session: Session, review: Review) -> tuple[Project, Item]:
    project, item = project_by_id(session, review.project_id), session.get(Item, review.item_id)
    assert project is not None and item is not None
    return project, item


def resolve(
    session: Session, services: Services, user: str, ref: ReviewRef, value: Any, note: str | None
) -> Outcome:
    """Set the item's final label as adjudicated by the lead, with the note as its rationale."""
    review = authorize(session, services, ref, user)
    if isinstance(review, Refusal):
        return review
    project, item = _project_item(session, review)
    spec = project_spec(project)
    try:
        label = validate_value(spec, value)
    except ValueError as exc:
        return Refusal(f"{str(exc).capitalize()}.")
    now = services.clock()
    if not review_rows.close_review(
        session,
        review.id,
        status=ReviewStatus.RESOLVED,
        resolver=user,
        now=now,
        resolution=label,
        note=note,
    ):
        return Refusal("Another lead decided this review a moment ago.")
    session.refresh(review)
    if is_gold(item):  # a review opened before gold items were exempt: gold stays gold
        reopen(session, item, spec)
    else:
        decide(item, label, FinalMethod.ADJUDICATED, None, at=now)
    detail = {"review_id": review.id, "item_id": item.id, "label": label, "note": note}
    audit.record(
        session,
        actor=user,
        action="resolve_review",
        project_id=project.id,
        detail=detail | _settle_label_issue(session, review, label),
        now=now,
    )
    session.flush()
    shown = choice_label(spec, label)
    headline = f":white_check_mark: Resolved as *{safe(shown, 300)}* by {_lead(services, user)}."
    dms = (
        _dissenter_dms(session, project, item, user, label, note)
        if spec.review.notify_dissenters
        else []
    )
    return _decision(session, services, review, render_thread_note(headline, [("Note", note)]), dms)


def _settle_label_issue(session: Session, review: Review, label: Any) -> dict[str, str]:
    """A possible label error's outcome, set with the decision that settles it: `changed` when
    the lead's label differs from the one the model questioned, `kept` when it is the same,
    `sent_back` (`label` None) when the lead asked for more answers instead: the people's next
    decision stands, and the item is not questioned again. For the audit entry's detail."""
    if ReviewReason.POSSIBLE_LABEL_ERROR not in (review.reasons or [review.reason]):
        return {}
    issue = label_models.issue_of_review(session, review.item_id, review.id)
    if issue is None:
        return {}
    if label is None:
        issue.outcome = "sent_back"
    else:
        issue.outcome = "kept" if answer_key(label) == answer_key(issue.given) else "changed"
    return {"label_issue": issue.outcome}


def _dissenter_dms(
    session: Session, project: Project, item: Item, lead: str, label: Any, note: str | None
) -> list[tuple[str, Message]]:
    """A DM for each annotator (a Slack user) whose answer differed or who was unsure."""
    spec = project_spec(project)
    preview = item_preview(session, item)
    dms = []
    for answer in review_rows.current_answers(session, item.id):
        differs = answer.unsure or answer_key(answer.value) != answer_key(label)
        if not differs or answer.annotator == lead or not SLACK_USER_ID.match(answer.annotator):
            continue
        yours = "Unsure" if answer.unsure else choice_label(spec, answer.value)
        message = render_dissent_dm(
            title=project.title,
            external_id=item.external_id,
            preview=preview,
            your_answer=yours,
            decided=choice_label(spec, label),
            lead=lead,
            note=note,
        )
        dms.append((answer.annotator, message))
    return dms


def send_back(session: Session, services: Services, user: str, ref: ReviewRef) -> Outcome:
    """Ask for one more answer than the item has and return it to the labeling queues."""
    review = authorize(session, services, ref, user)
    if isinstance(review, Refusal):
        return review
    project, item = _project_item(session, review)
    now = services.clock()
    if not review_rows.close_review(
        session, review.id, status=ReviewStatus.SENT_BACK, resolver=user, now=now
    ):
        return Refusal("Another lead decided this review a moment ago.")
    session.refresh(review)
    before = item.required_answers
    item.required_answers = max(item.required_answers, item.answer_count) + 1
    reopen(session, item, project_spec(project))
    audit.record(
        session,
        actor=user,
        action="send_back_review",
        project_id=project.id,
        detail={
            "review_id": review.id,
            "item_id": item.id,
            "required_answers": [before, item.required_answers],
        }
        | _settle_label_issue(session, review, None),
        now=now,
    )
    headline = (
        f":leftwards_arrow_with_hook: Sent back by {_lead(services, user)}: the item now needs "
        f"{item.required_answers} answers and is back in the labeling queues."
    )
    return _decision(session, services, review, render_thread_note(headline, []), [])


def mark_edge_case(
    session: Session,
    services: Services,
    user: str,
    ref: ReviewRef,
    hard: str,
    wording: str | None,
) -> Outcome:
    """Record what makes the item hard (for the edge-case log); the review stays open."""
    review = authorize(session, services, ref, user)
    if isinstance(review, Refusal):
        return review
    now = services.clock()
    session.add(
        EdgeCase(
            item_id=review.item_id,
            project_id=review.project_id,
            what_makes_it_hard=hard,
            proposed_wording=wording,
            marked_by=user,
            created_at=now,
        )
    )
    audit.record(
        session,
        actor=user,
        action="mark_edge_case",
        project_id=review.project_id,
        detail={"review_id": review.id, "item_id": review.item_id},
        now=now,
    )
    session.flush()
    headline = f":triangular_flag_on_post: Marked as an edge case by {_lead(services, user)}."
    details = [("What makes it hard", hard), ("Proposed guideline wording", wording)]
    return _decision(session, services, review, render_thread_note(headline, details), [])


def _decision(
    session: Session,
    services: Services,
    review: Review,
    note: Message,
    dms: list[tuple[str, Message]],
) -> Outcome:
    """The post updated to show the decision, the thread's closing note, and the DMs."""
    effects: list[Effect] = []
    if review.channel is not None and review.message_ts is not None:
        post = render_post(session, review, services.directory)
        effects.append(Update(review.channel, review.message_ts, post))
        effects.append(Post(review.channel, note, thread_ts=review.message_ts))
    effects.extend(DirectMessage(user_id, message) for user_id, message in dms)
    return effects


def resolve_modal(session: Session, services: Services, user: str, ref: ReviewRef) -> Outcome:
    review = authorize(session, services, ref, user)
    if isinstance(review, Refusal):
        return review
    post = review_post(session, review, services.directory)
    preview = item_preview(session, post.item)
    view = render_resolve_modal(
        post.spec, ref, external_id=post.item.external_id, preview=preview, majority=post.suggested
    )
    return [OpenModal(view)]


def edge_case_modal(session: Session, services: Services, user: str, ref: ReviewRef) -> Outcome:
    review = authorize(session, services, ref, user)
    if isinstance(review, Refusal):
        return review
    _, item = _project_item(session, review)
    preview = item_preview(session, item)
    return [OpenModal(render_edge_case_modal(ref, external_id=item.external_id, preview=preview))]
