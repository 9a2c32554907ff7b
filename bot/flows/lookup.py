"""Lookups: `/label item`, `/label search`, and the item card's Send to review and Relabel.

People see items only in projects they may annotate; anything else is "not found", so a
lookup never reveals another project's data. Reads run in read-only sessions; the two
buttons write in the request's transaction before the ack.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.access import is_lead, may_annotate
from bot.domain.consensus import vote_counts
from bot.domain.item_state import is_gold
from bot.domain.relabel import RelabelStatus, relabel_item
from bot.flows.effects import Outcome, PublishReviews, Refusal, ShowItem, notice, reply
from bot.flows.project_choice import allowed_projects
from bot.flows.review import send_to_review
from bot.projects.spec import ProjectSpec
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.views.blocks import safe
from bot.views.choices import choice_label
from bot.views.item_content import item_text
from bot.views.lookup_card import AnswerLine, ItemDetails, ReviewLine
from bot.views.search_results import ResultRow, render_results, search_heading
from storage import lookup, search
from storage.models import AnnotationSource, Item, Project
from storage.projects import project_by_id

log = logging.getLogger(__name__)

ITEM_USAGE = "Usage: `/label item <id or external id>`, e.g. `/label item 42`."
SEARCH_USAGE = "Usage: `/label search <words>`, e.g. `/label search refund kettle`."
NOT_FOUND = "No item {reference!r} in the projects you can see."


def _label(spec: ProjectSpec, value: Any) -> str | None:
    return None if value is None else choice_label(spec, value)


def details_of(session: Session, services: Services, user_id: str, item: Item) -> ItemDetails:
    """The card's content for one item this person may see."""
    project = project_by_id(session, item.project_id)
    assert project is not None
    spec = project_spec(project)
    history = lookup.annotations_of(session, item.id)
    current = [a for a in history if a.superseded_at is None]
    answers = [
        AnswerLine(
            annotator=a.annotator,
            label=_label(spec, a.value) or "(no value)",
            created_at=a.created_at,
            unsure=a.unsure,
            unsure_reason=a.unsure_reason,
            unsure_note=a.unsure_note,
            seconds=a.seconds,
            guideline_version=a.guideline_version,
            superseded=a.superseded_at is not None,
            imported=a.source is AnnotationSource.IMPORT,
        )
        for a in history
    ]
    review = lookup.latest_review(session, item.id)
    post = (review.channel, review.message_ts) if review else None
    return ItemDetails(
        item_id=item.id,
        external_id=item.external_id,
        project_title=project.title,
        spec=spec,
        data=item.data,
        status=item.status.value,
        answer_count=item.answer_count,
        required_answers=item.required_answers,
        final_label=_label(spec, item.final_label),
        final_method=item.final_method.value if item.final_method else None,
        completed_at=item.completed_at,
        answers=answers,
        votes=[
            (_label(spec, value) or "?", count)
            for value, count in vote_counts(
                [a.value for a in current if not a.unsure and a.value is not None]
            )
        ],
        review=ReviewLine(
            reason=", ".join(review.reasons) or review.reason.value,
            status=review.status.value,
            resolver=review.resolver,
            note=review.resolution_note,
        )
        if review
        else None,
        review_post=(post[0], post[1]) if post and post[0] and post[1] else None,
        comments=lookup.comment_count(session, item.id),
        gold=_label(spec, item.gold_answer),
        gold_note=item.gold_note,
        prediction=_label(spec, item.prediction),
        prediction_score=item.prediction_score,
        can_relabel=is_lead(spec, user_id, services.directory),
    )


def visible_project_ids(session: Session, services: Services, user_id: str) -> list[int]:
    return [p.id for p in allowed_projects(session, services, user_id)]


def _row(session: Session, item: Item) -> ResultRow:
    project = project_by_id(session, item.project_id)
    assert project is not None
    spec = project_spec(project)
    first = spec.display_keys[0]
    return ResultRow(
        item_id=item.id,
        external_id=item.external_id,
        project_title=project.title,
        status=item.status.value,
        final_label=_label(spec, item.final_label),
        preview=item_text(spec, item.data, first)[:400],
    )


def find_item(session: Session, services: Services, user_id: str, reference: str) -> Outcome:
    """`/label item` and a search result's Open: one item's card (its review thread's
    permalink is fetched after the ack), a list when the reference is ambiguous, or why not."""
    reference = reference.strip()
    if not reference:
        return Refusal(ITEM_USAGE)
    visible = visible_project_ids(session, services, user_id)
    items = lookup.items_by_reference(session, reference, visible)
    if not items:
        return Refusal(NOT_FOUND.format(reference=reference[:100]))
    if len(items) == 1:
        return [ShowItem(details_of(session, services, user_id, items[0]))]
    heading = f"*{len(items)} items* have the reference `{safe(reference, 100)}`; open one:"
    rows = [_row(session, item) for item in items]
    return reply(render_results(heading, rows))


def search_items(session: Session, services: Services, user_id: str, query: str) -> Outcome:
    if not search.search_terms(query):
        return Refusal(SEARCH_USAGE)
    visible = visible_project_ids(session, services, user_id)
    ids = search.search_item_ids(session, project_ids=visible, query=query, limit=11)
    items = lookup.items_by_ids(session, ids[:10])
    rows = [_row(session, item) for item in items]
    return reply(render_results(search_heading(query, len(rows)), rows, limited=len(ids) > 10))


def _visible_item(
    session: Session, services: Services, user_id: str, item_id: int
) -> tuple[Project, Item] | None:
    item = session.get(Item, item_id)
    project = project_by_id(session, item.project_id) if item is not None else None
    if item is None or project is None:
        return None
    if not may_annotate(project_spec(project), user_id, services.directory):
        return None
    return project, item


def request_review(session: Session, services: Services, user_id: str, item_id: int) -> Outcome:
    """Open a manual review of an item (anyone on the project may ask); audited by the review
    flow; the post follows after the ack."""
    found = _visible_item(session, services, user_id, item_id)
    if found is None:
        return Refusal(NOT_FOUND.format(reference=str(item_id)))
    project, item = found
    if is_gold(item):
        return Refusal(
            f"Item {item.id} is a gold item: its label is its gold answer, and gold items are "
            "never reviewed (disagreement on them counts toward annotator accuracy)."
        )
    if send_to_review(session, item, requested_by=user_id) is None:
        return Refusal(f"Item {item.id} is already under review.")
    return [*notice(f"Item {item.id} is sent to review."), PublishReviews(project.id)]


def relabel(session: Session, services: Services, user_id: str, item_id: int) -> Outcome:
    """Reopen an item for fresh answers: leads only, checked here whatever the button said."""
    found = _visible_item(session, services, user_id, item_id)
    if found is None:
        return Refusal(NOT_FOUND.format(reference=str(item_id)))
    project, item = found
    if not is_lead(project_spec(project), user_id, services.directory):
        return Refusal("Only a project lead can send an item back for relabeling.")
    result = relabel_item(session, project, item, actor=user_id, now=services.clock())
    if result.status is RelabelStatus.IN_REVIEW:
        return Refusal(f"Item {item.id} is under review; decide it in the review thread instead.")
    if result.status is RelabelStatus.ALREADY_OPEN:
        return Refusal(f"Item {item.id} is already waiting for answers.")
    return notice(
        f"Item {item.id} is back in the queue for {item.required_answers} fresh answer(s); "
        f"{result.superseded} earlier answer(s) are kept as superseded."
    )
