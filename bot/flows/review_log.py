"""What reviews teach: the edge-case log (Markdown to paste into the guidelines, or JSON Lines)
and people's feedback on the guidelines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.guideline_acks import version_read_by
from bot.flows.effects import Outcome, Refusal, notice
from bot.flows.project_choice import allowed_projects
from bot.projects.sync import project_spec
from bot.runtime.services import Services
from bot.views.choices import choice_label
from bot.views.item_content import full_text
from storage import reviews as review_rows
from storage.models import GuidelineFeedback, Project
from storage.projects import project_by_slug

MAX_FEEDBACK = 4000


def edge_case_records(session: Session, project: Project) -> list[dict[str, Any]]:
    """One record per edge case: the item, its final label, the lead's notes and the thread."""
    spec = project_spec(project)
    rows = review_rows.edge_cases(session, project.id)
    item_ids = [item.id for _, item in rows]
    reviews = review_rows.latest_reviews(session, item_ids)
    threads = review_rows.discussions(session, item_ids)
    records = []
    for edge, item in rows:
        review = reviews.get(item.id)
        records.append(
            {
                "item_id": item.id,
                "external_id": item.external_id,
                "content": dict(full_text(spec, item.data)),
                "final_label": item.final_label,
                "final_label_text": (
                    choice_label(spec, item.final_label) if item.final_label is not None else None
                ),
                "final_method": item.final_method.value if item.final_method else None,
                "what_makes_it_hard": edge.what_makes_it_hard,
                "proposed_wording": edge.proposed_wording,
                "marked_by": edge.marked_by,
                "marked_at": edge.created_at.isoformat(),
                "decided_by": review.resolver if review is not None else None,
                "resolution_note": review.resolution_note if review is not None else None,
                "discussion": [
                    {"author": c.author, "text": c.text, "created_at": c.created_at.isoformat()}
                    for c in threads.get(item.id, [])
                ],
            }
        )
    return records


def edge_cases_jsonl(records: list[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def edge_cases_markdown(project: Project, records: list[dict[str, Any]]) -> Iterator[str]:
    """Markdown ready to paste into the guidelines: one section per edge case."""
    yield f"# Edge cases: {project.title}\n\n"
    if not records:
        yield "_No edge cases marked yet._\n"
    for record in records:
        yield f"## Item {record['external_id']}\n\n"
        for label, text in record["content"].items():
            yield f"**{label}**\n\n{_quote(text)}\n\n"
        final = record["final_label_text"] or "not decided yet"
        decided = record["decided_by"] or "nobody yet"
        yield f"- **Final label:** {final} (decided by {decided})\n"
        yield f"- **What makes it hard:** {_inline(record['what_makes_it_hard'])}\n"
        if record["proposed_wording"]:
            yield f"- **Proposed guideline wording:** {_inline(record['proposed_wording'])}\n"
        if record["resolution_note"]:
            yield f"- **Lead's note:** {_inline(record['resolution_note'])}\n"
        yield f"- **Marked by:** {record['marked_by']}\n"
        if record["discussion"]:
            yield "\n**Discussion**\n\n"
            for comment in record["discussion"]:
                yield f"- {comment['author']} ({comment['created_at'][:16]}): "
                yield f"{_inline(comment['text'])}\n"
        yield "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in (text or "(empty)").splitlines())


def _inline(text: str) -> str:
    return " ".join(text.split())


def leave_feedback(session: Session, services: Services, user: str, text: str) -> Outcome:
    """Store a suggestion about the guidelines: `[project] text`, the project named or implied."""
    words = text.split(maxsplit=1)
    named = project_by_slug(session, words[0]) if words else None
    body = (words[1] if len(words) > 1 else "") if named is not None else text.strip()
    if not body:
        return Refusal("Usage: `/label feedback [project] your suggestion`.")
    project = named
    if project is None:
        allowed = allowed_projects(session, services, user)
        if len(allowed) != 1:
            slugs = ", ".join(p.slug for p in allowed) or "none"
            return Refusal(
                f"Which project? Start with its name: `/label feedback PROJECT text` ({slugs})."
            )
        project = allowed[0]
    version = version_read_by(session, project, user)
    session.add(
        GuidelineFeedback(
            project_id=project.id,
            author=user,
            text=body.strip()[:MAX_FEEDBACK],
            guideline_version=version,
            created_at=services.clock(),
        )
    )
    session.flush()
    return notice(
        f"Thanks! Your feedback on the {project.title} guidelines (version {version}) "
        "is recorded for the leads."
    )


def feedback_records(session: Session, project: Project) -> list[dict[str, Any]]:
    return [
        {
            "author": f.author,
            "text": f.text,
            "guideline_version": f.guideline_version,
            "created_at": f.created_at.isoformat(),
        }
        for f in review_rows.feedback(session, project.id)
    ]
