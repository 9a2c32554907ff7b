"""Adaptive overlap with weighted consensus, end to end through signed clicks: an item is
decided once its weighted vote is sure enough, asks for one more person (first in line) while
it is not, and goes to a lead at `max_overlap`; quarantine stops serving an annotator and a
lead's release resumes them. Projects without the new keys behave as before.

Before a project's first fit every annotator counts as right 75% of the time (three labels):
three agreeing answers give 0.9908, two against one 0.837, four answers 3-1 give 0.969, five
answers 4-1 give 0.9946.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.app import app
from bot.delivery.model_refits import refit_models
from bot.domain import weighting
from bot.domain.completion import refresh_item
from bot.projects.spec import ProjectSpec
from bot.projects.sync import project_spec
from bot.slack.ids import Action
from storage.models import (
    Annotation,
    AuditEvent,
    FinalMethod,
    Item,
    ItemStatus,
    Project,
    Quarantine,
    Review,
    ReviewReason,
)
from tests.factories import add_items, create_project, make_spec, project_spec_dict
from tests.harness import BotHarness, all_text, button, eventually
from tests.test_truthful_labels import (
    LABEL_CHANNEL,
    LEAD,
    REVIEW_CHANNEL,
    dm_card,
    item_row,
    review_posts,
)

PEOPLE = ["U0PERSON01", "U0PERSON02", "U0PERSON03", "U0PERSON04", "U0PERSON05"]
WEIGHTED = {"consensus": {"method": "dawid_skene", "confidence": 0.99}}


@pytest.fixture(autouse=True)
def fresh_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.delivery.review_posts.SECONDS_BETWEEN_POSTS", 0.0)
    monkeypatch.setattr("bot.delivery.channel_posts.SECONDS_BETWEEN_POSTS", 0.0)
    weighting.MODELS.forget()


def setup(bot: BotHarness, texts: list[str], **spec: Any) -> list[int]:
    slack = {"leads": [LEAD], "review_channel": REVIEW_CHANNEL, "labeling_channel": LABEL_CHANNEL}
    with bot.session() as session:
        project = create_project(session, make_spec(overlap=3, slack=slack, **WEIGHTED, **spec))
        return add_items(session, project, texts)


def posted_items(bot: BotHarness, count: int) -> list[dict[str, Any]]:
    """`/label post N` by the lead: the items' messages in the labeling channel, in order."""
    bot.command(f"post {count}", LEAD)
    posts = bot.fake.wait_for("chat.postMessage", count)
    return [{"ts": p.response["ts"], "blocks": p["blocks"], "text": "x"} for p in posts]


def answer(bot: BotHarness, message: dict[str, Any], user: str, choice: str) -> None:
    element = button(message["blocks"], f"{Action.CHANNEL_ANSWER}:{choice}")
    response = bot.click(
        element["action_id"], element["value"], user, channel=LABEL_CHANNEL, message=message
    )
    assert response.status == 200


def test_agreeing_answers_decide_an_item_by_weighted_vote_with_its_confidence(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    [item_id] = setup(bot, ["lovely kettle"], max_overlap=5)
    [message] = posted_items(bot, 1)

    for person in PEOPLE[:3]:
        answer(bot, message, person, "positive")

    item = item_row(bot, item_id)
    assert (item.status, item.final_label, item.final_method) == (
        ItemStatus.COMPLETE,
        "positive",
        FinalMethod.DAWID_SKENE,
    )
    assert item.label_confidence == pytest.approx(216 / 218, abs=1e-4)
    monkeypatch.setenv("DATABASE_URL", database_url)
    exported = json.loads(CliRunner().invoke(app, ["export", "sentiment"]).stdout)
    assert exported["final_method"] == "dawid_skene" and exported["answer_count"] == 3
    assert exported["confidence"] == pytest.approx(216 / 218, abs=1e-4)


def test_an_unsettled_item_asks_one_more_person_first_and_is_decided_when_sure(
    bot: BotHarness,
) -> None:
    first, second = setup(bot, ["fresh item", "disputed item"], max_overlap=5)
    _, message = posted_items(bot, 2)
    for person, choice in zip(PEOPLE[:3], ["positive", "positive", "negative"], strict=True):
        answer(bot, message, person, choice)

    item = item_row(bot, second)
    assert (item.status, item.required_answers, item.final_label) == (ItemStatus.OPEN, 4, None)
    card = dm_card(bot, PEOPLE[3])
    assert "disputed item" in all_text(card["blocks"]), "the re-queued item comes first"
    assert "fresh item" not in all_text(card["blocks"])

    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    bot.click(positive["action_id"], positive["value"], PEOPLE[3])
    assert eventually(lambda: item_row(bot, second).required_answers == 5)
    answer(bot, message, PEOPLE[4], "positive")

    item = item_row(bot, second)
    assert (item.status, item.final_label, item.final_method) == (
        ItemStatus.COMPLETE,
        "positive",
        FinalMethod.DAWID_SKENE,
    )
    assert item.answer_count == 5 and item.label_confidence == pytest.approx(0.9946, abs=1e-4)
    assert item_row(bot, first).answer_count == 0
    assert review_posts(bot) == []


def test_an_item_still_unsure_at_max_overlap_goes_to_a_lead_with_its_weighted_vote(
    bot: BotHarness,
) -> None:
    [item_id] = setup(bot, ["mixed feelings"], max_overlap=4)
    [message] = posted_items(bot, 1)

    for person, choice in zip(
        PEOPLE, ["positive", "negative", "neutral", "positive"], strict=False
    ):
        answer(bot, message, person, choice)

    item = item_row(bot, item_id)
    assert (item.status, item.final_label, item.answer_count) == (ItemStatus.IN_REVIEW, None, 4)
    with bot.session() as session:
        assert session.scalars(select(Review.reason)).one() is ReviewReason.NOT_CONFIDENT
    [post] = eventually(lambda: review_posts(bot))
    shown = all_text(post["blocks"])
    assert (
        "the weighted vote is not sure enough after 4 answers: 75% for Positive, 99% is needed"
        in shown
    )
    highlighted = [
        e["action_id"]
        for b in post["blocks"]
        for e in b.get("elements", [])
        if e.get("style") == "primary"
    ]
    assert highlighted == [f"{Action.RESOLVE}:positive"], "the weighted vote's top label"
    assert "Weighted vote* (by each annotator's record): Positive 75%" in shown


def seed_history(bot: BotHarness, project_id: int, spammer: str) -> None:
    """Fifteen items (60 answers, enough for a first fit): three honest people agree with the
    truth, the spammer always says "positive" (right on five of them)."""
    truths = ["positive", "negative", "neutral"] * 5
    with bot.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        ids = add_items(session, project, [f"old {n}" for n in range(15)], required_answers=3)
        for item_id, truth in zip(ids, truths, strict=True):
            for person in PEOPLE[:3]:
                session.add(
                    Annotation(
                        item_id=item_id, project_id=project_id, annotator=person, value=truth
                    )
                )
            session.add(
                Annotation(
                    item_id=item_id, project_id=project_id, annotator=spammer, value="positive"
                )
            )
        session.flush()
        spec = project_spec(project)
        for item_id in ids:
            refresh_item(session, session.get(Item, item_id), spec)  # type: ignore[arg-type]


def test_quarantine_stops_serving_and_a_lead_releases_with_one_click(bot: BotHarness) -> None:
    spammer = "U0SPAMMER1"
    [fresh] = setup(
        bot,
        ["new item"],
        quality={"quarantine_below": 0.5, "quarantine_min_answers": 10},
    )
    project_id = item_row(bot, fresh).project_id
    seed_history(bot, project_id, spammer)

    assert refit_models(bot.services, bot.services.client) == 1

    with bot.session() as session:
        [held] = session.scalars(select(Quarantine)).all()
        assert (held.annotator, held.answers) == (spammer, 15) and held.accuracy < 0.5
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "quarantine_annotator")
        ).one()
    dm = bot.fake.dm_channel_for(LEAD)
    [note] = [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == dm]
    text = all_text(note["blocks"])
    assert f"<@{spammer}> gets no more items" in text and "below the project's bar of 50%" in text
    assert "*Positive*" in text, "names the label the spammer over-uses"

    before = len(bot.responses())
    bot.command("next", spammer)
    bot.wait_response(before + 1)
    spammer_dm = bot.fake.dm_channel_for(spammer)
    [paused] = eventually(
        lambda: [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == spammer_dm]
    )
    assert "paused on Test project sentiment" in all_text(paused["blocks"])

    release = button(note["blocks"], Action.RELEASE_ANNOTATOR)
    bot.click(Action.RELEASE_ANNOTATOR, release["value"], PEOPLE[0])
    assert "Only a lead" in bot.wait_response(before + 2).body["text"]
    bot.click(Action.RELEASE_ANNOTATOR, release["value"], LEAD)
    released = bot.wait_response(before + 3).body
    assert released["replace_original"] is True and "was released by" in all_text(
        released["blocks"]
    )

    card = dm_card(bot, spammer)
    assert "new item" in all_text(card["blocks"])
    with bot.session() as session:
        row = session.scalars(select(Quarantine)).one()
        assert row.released_by == LEAD
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "release_annotator")
        ).all()
        assert event.actor == LEAD and event.detail["annotator"] == spammer


def test_the_cli_lists_estimates_and_releases_a_quarantined_annotator(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spammer = "U0SPAMMER1"
    [fresh] = setup(bot, ["new"], quality={"quarantine_below": 0.5, "quarantine_min_answers": 10})
    seed_history(bot, item_row(bot, fresh).project_id, spammer)
    refit_models(bot.services, bot.services.client)
    monkeypatch.setenv("DATABASE_URL", database_url)

    listing = CliRunner().invoke(app, ["annotators", "list", "sentiment"])
    released = CliRunner().invoke(app, ["annotators", "release", "sentiment", spammer])
    again = CliRunner().invoke(app, ["annotators", "release", "sentiment", spammer])

    assert listing.exit_code == 0, listing.output
    assert spammer in listing.output and "positive" in listing.output and "yes" in listing.output
    assert released.exit_code == 0 and f"Released {spammer}" in released.output
    assert again.exit_code == 1 and "is not quarantined" in again.output
    stats = json.loads(CliRunner().invoke(app, ["stats", "sentiment", "--json"]).stdout)
    by_id = {a["id"]: a for a in stats["annotators"]}
    assert by_id[spammer]["estimated_accuracy"] < 0.5 and not by_id[spammer]["quarantined"]
    assert by_id[spammer]["overuses"]["label"] == "positive"
    assert by_id[PEOPLE[0]]["estimated_accuracy"] > 0.9
    assert stats["consensus_method"] == "dawid_skene"
    # Before the first fit, the spammer's dissent kept 10 of the 15 seeded items undecided at
    # max_overlap 3, so a lead saw them: 10 of 16 items.
    assert stats["answers_per_decided_item"] == 4.0 and stats["reviewed_share"] == 0.625


def test_a_project_without_the_new_keys_decides_exactly_as_before(bot: BotHarness) -> None:
    spec = ProjectSpec.model_validate(
        project_spec_dict(overlap=3, review={"agreement_threshold": 0.6})
    )
    assert (spec.most_answers, spec.consensus.method, spec.quality.quarantine_below) == (
        3,
        "majority",
        None,
    )
    with bot.session() as session:
        project = create_project(session, spec)
        [item_id] = add_items(session, project, ["two against one"])
        for person, value in zip(PEOPLE, ["positive", "negative", "positive"], strict=False):
            session.add(
                Annotation(item_id=item_id, project_id=project.id, annotator=person, value=value)
            )
        session.flush()
        item = session.get(Item, item_id)
        assert item is not None
        refresh_item(session, item, spec)
        assert (item.status, item.final_label, item.final_method, item.required_answers) == (
            ItemStatus.COMPLETE,
            "positive",
            FinalMethod.CONSENSUS,
            3,
        )
        assert item.label_confidence == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"overlap": 3, "max_overlap": 2}, "max_overlap (2) must be at least overlap (3)"),
        ({"consensus": {"method": "dawid_skene"}, "kind": "multi_choice"}, "needs a single_choice"),
        ({"quality": {"quarantine_below": 0.5}}, "needs consensus.method: dawid_skene"),
    ],
)
def test_the_new_settings_are_validated(overrides: dict[str, Any], message: str) -> None:
    kind = overrides.pop("kind", "single_choice")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ProjectSpec.model_validate(project_spec_dict(kind=kind, **overrides))
