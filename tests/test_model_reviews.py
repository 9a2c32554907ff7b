"""Possible label errors in the review channel: the project's model questions a decided label,
the post says why with the model's probabilities next to the answers, and a lead settles it
with one click, keeping the label or changing it; the outcome is recorded with the decision
and audited. Only leads may decide, and a review sent back closes the question.

End to end: the model trained as the scheduler trains it, the review posted as the
pending-reviews job posts it, and the lead's clicks as signed requests.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.review_posts import publish_pending_reviews
from bot.flows.model_upkeep import train_project
from bot.slack.ids import Action, View
from bot.views.review_post import (
    AnswerLine,
    LabelDoubt,
    ReviewPost,
    percent,
    render_review_post,
)
from storage import label_models
from storage.models import (
    Annotation,
    AuditEvent,
    FinalMethod,
    Item,
    ItemStatus,
    LabelIssue,
    Project,
    Review,
    ReviewReason,
    ReviewStatus,
)
from tests.factories import create_project, make_spec
from tests.fake_slack import Call
from tests.harness import BotHarness, all_text, button, eventually, shown_name
from tests.test_block_limits import assert_valid
from tests.test_hostile_text import HOSTILE, LIVE, rendered_text
from tests.test_model_loop import text_for
from tests.test_review_decisions import note_values, press, submit, thread_notes
from tests.test_truthful_labels import (
    LEAD,
    REVIEW_CHANNEL,
    no_pacing,  # noqa: F401 - autouse fixture
    review_posts,
)

ANN, BEA = "U0ANNOT001", "U0ANNOT002"
#: Positive reviews that both annotators labelled negative (one in fifteen items).
WRONG = range(3, 90, 15)


def flagged_post(bot: BotHarness) -> tuple[LabelIssue, Call]:
    """Ninety decided items, each answered by two annotators; six positive reviews carry the
    label negative. The model (version 1) sends the likeliest error to review, posted."""
    slack = {"leads": [LEAD], "review_channel": REVIEW_CHANNEL}
    model = {"kind": "text-logreg", "field": "text", "min_labels": 30, "label_errors_per_day": 1}
    rng = random.Random(7)
    with bot.session() as session:
        project = create_project(session, make_spec(overlap=2, slack=slack, model=model))
        for n in range(90):
            truth = ["positive", "negative", "neutral"][n % 3]
            _decided(session, project, n, text_for(truth, rng), "negative" if n in WRONG else truth)
        project_id = project.id

    run = train_project(bot.services, project_id)

    assert run is not None and (run.version, run.flagged) == (1, 1)
    assert publish_pending_reviews(bot.services, bot.services.client) == 1
    [post] = review_posts(bot)
    with bot.session() as session:
        issue = session.scalars(select(LabelIssue)).one()
        session.expunge(issue)
    return issue, post


def _decided(session: Any, project: Project, n: int, text: str, label: str) -> None:
    item = Item(
        project_id=project.id,
        external_id=f"r-{n}",
        data={"text": text},
        required_answers=2,
        answer_count=2,
        status=ItemStatus.COMPLETE,
        final_label=label,
        final_method=FinalMethod.CONSENSUS,
    )
    session.add(item)
    session.flush()
    for person in (ANN, BEA):
        session.add(
            Annotation(item_id=item.id, project_id=project.id, annotator=person, value=label)
        )


def highlighted(post: Call | dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in post["blocks"]
        for element in block.get("elements", [])
        if element.get("style") == "primary"
    ]


def settled(bot: BotHarness, issue: LabelIssue) -> tuple[Any, ...]:
    """(item status, final label, final method, review status, the issue's outcome)."""
    with bot.session() as session:
        item = session.get(Item, issue.item_id)
        review = session.get(Review, issue.review_id)
        row = session.get(LabelIssue, issue.id)
        assert item is not None and review is not None and row is not None
        return item.status, item.final_label, item.final_method, review.status, row.outcome


def decision_audit(bot: BotHarness, action: str) -> dict[str, Any]:
    with bot.session() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        assert event.actor == LEAD
        return dict(event.detail)


def test_a_possible_label_error_is_posted_with_the_models_probabilities_and_the_answers(
    bot: BotHarness,
) -> None:
    issue, post = flagged_post(bot)

    shown = all_text(post["blocks"])
    assert (issue.given, issue.suggested) == ("negative", "positive")
    assert (
        "*Why it is here:* possible label error: the project's model (v1) gives *Negative*, "
        f"the decided label, {percent(issue.given_probability)}, "
        f"and *Positive* {percent(issue.suggested_probability)}"
    ) in shown
    assert f"{shown_name(ANN)}: *Negative*" in shown and f"{shown_name(BEA)}: *Negative*" in shown
    assert "Model prediction" not in shown, "the model's word is in the reason"
    assert "possible_label_error" in post["text"]
    assert highlighted(post) == [], "neither the people's nor the model's label is pushed"
    assert button(post["blocks"], f"{Action.RESOLVE}:negative"), "keeping it is one click too"
    with bot.session() as session:
        item = session.get(Item, issue.item_id)
        assert item is not None and (item.status, item.final_label) == (ItemStatus.IN_REVIEW, None)


def test_a_leads_click_on_the_models_label_changes_the_label(bot: BotHarness) -> None:
    issue, post = flagged_post(bot)

    press(bot, post, f"{Action.RESOLVE}:positive", LEAD)

    update = bot.fake.wait_for("chat.update")[0]
    assert f"*Resolved as Positive* by {shown_name(LEAD)}" in all_text(update["blocks"])
    assert settled(bot, issue) == (
        ItemStatus.COMPLETE,
        "positive",
        FinalMethod.ADJUDICATED,
        ReviewStatus.RESOLVED,
        "changed",
    )
    audited = decision_audit(bot, "resolve_review")
    assert (audited["label"], audited["label_issue"]) == ("positive", "changed")
    assert thread_notes(bot), "the thread gets its closing reply"
    with bot.session() as session:
        project_id = session.scalars(select(Project.id)).one()
        counts = label_models.issue_counts(session, project_id)
    assert (counts["found"], counts["changed"], counts["kept"], counts["open"]) == (1, 1, 0, 0)


def test_a_leads_click_on_the_decided_label_keeps_it(bot: BotHarness) -> None:
    issue, post = flagged_post(bot)

    press(bot, post, f"{Action.RESOLVE}:negative", LEAD)

    eventually(lambda: bot.fake.calls_to("chat.update"))
    assert settled(bot, issue) == (
        ItemStatus.COMPLETE,
        "negative",
        FinalMethod.ADJUDICATED,
        ReviewStatus.RESOLVED,
        "kept",
    )
    assert decision_audit(bot, "resolve_review")["label_issue"] == "kept"


def test_resolving_with_a_note_records_the_outcome_too_the_form_preselecting_nothing(
    bot: BotHarness,
) -> None:
    issue, post = flagged_post(bot)

    press(bot, post, Action.OPEN_RESOLVE, LEAD)
    view = bot.fake.wait_for("views.open")[0]["view"]
    [label_input] = [b for b in view["blocks"] if b.get("block_id") == "review_label"]
    assert "initial_option" not in label_input["element"], "the lead picks, unprompted"
    note = "Praises the replacement; the fault was the first unit's."
    submit(bot, View.RESOLVE, note_values("negative", note), view["private_metadata"], LEAD)

    assert settled(bot, issue)[1:] == (
        "negative",
        FinalMethod.ADJUDICATED,
        ReviewStatus.RESOLVED,
        "kept",
    )
    assert decision_audit(bot, "resolve_review")["note"] == note


@pytest.mark.parametrize("action", [f"{Action.RESOLVE}:positive", Action.SEND_BACK])
def test_only_a_lead_may_settle_a_possible_label_error(bot: BotHarness, action: str) -> None:
    issue, post = flagged_post(bot)
    before = settled(bot, issue)

    press(bot, post, action, ANN)

    [refusal] = bot.fake.wait_for("response_url")
    assert refusal["response_type"] == "ephemeral"
    assert "Only a lead of" in all_text(refusal["blocks"])
    assert settled(bot, issue) == before
    assert before[3:] == (ReviewStatus.OPEN, None), "the question stays open"
    bot.fake.assert_not_called("chat.update", within=0.2)


def test_a_possible_label_error_sent_back_asks_for_more_answers_and_closes_the_question(
    bot: BotHarness,
) -> None:
    issue, post = flagged_post(bot)

    press(bot, post, Action.SEND_BACK, LEAD)

    eventually(lambda: bot.fake.calls_to("chat.update"))
    assert settled(bot, issue) == (
        ItemStatus.OPEN,
        None,
        None,
        ReviewStatus.SENT_BACK,
        "sent_back",
    )
    with bot.session() as session:
        item = session.get(Item, issue.item_id)
        assert item is not None and item.required_answers == 3
    assert decision_audit(bot, "send_back_review")["label_issue"] == "sent_back"
    with bot.session() as session:
        project_id = session.scalars(select(Project.id)).one()
        counts = label_models.issue_counts(session, project_id)
    assert (counts["sent_back"], counts["open"]) == (1, 0)


def doubted(doubt: LabelDoubt, choices: list[dict[str, str]]) -> ReviewPost:
    """A review post for a possible label error, built without a database."""
    spec = make_spec(task={"kind": "single_choice", "choices": choices})
    item = Item(
        id=1,
        project_id=1,
        external_id="x-1",
        data={"text": "an item"},
        status=ItemStatus.IN_REVIEW,
        required_answers=1,
        answer_count=1,
        is_gold=False,
    )
    return ReviewPost(
        review_id=1,
        title="T",
        spec=spec,
        item=item,
        reasons=[ReviewReason.POSSIBLE_LABEL_ERROR],
        requested_by=None,
        answers=[AnswerLine(ANN, doubt.given)],
        agreement=1.0,
        majority=doubt.given,
        label_doubt=doubt,
    )


def test_hostile_label_text_in_the_reason_stays_text_and_odds_are_never_rounded_away() -> None:
    choices = [{"value": "bad", "text": HOSTILE[:60]}, {"value": "good", "text": "Good"}]
    post = doubted(LabelDoubt(2, "bad", 0.001, "good", 0.9991), choices)

    message = render_review_post(post)

    texts = [*rendered_text(message.blocks), message.text]
    assert any("(v2) gives *&lt;!channel&gt;" in text for text in texts)
    assert any("the decided label, under 1%, and *Good* over 99%" in text for text in texts)
    for text in texts:
        assert not any(markup in text for markup in LIVE), text
    assert_valid(message.blocks)


def test_a_doubt_without_another_label_names_the_decided_one_and_highlights_nothing() -> None:
    choices = [{"value": "good", "text": "Good"}, {"value": "bad", "text": "Bad"}]
    post = doubted(LabelDoubt(4, "bad", 0.45, "bad", 0.45), choices)

    message = render_review_post(post)

    assert "model (v4) gives *Bad*, the decided label, only 45%" in all_text(message.blocks)
    assert highlighted({"blocks": message.blocks}) == []
