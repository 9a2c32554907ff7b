"""Labels and figures that tell the truth: an undecided item carries no label anywhere, one
review per item collects every reason, gold items are never reviewed, agreement does not
depend on the review threshold, and imported history keeps its dates.

End to end: signed requests into the real endpoint, the fake Slack, and the real CLI.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from bot.cli.app import app
from bot.slack.ids import Action, View
from storage.models import FinalMethod, Item, ItemStatus, Review
from tests.factories import add_items, create_project, make_spec
from tests.fake_slack import Call
from tests.harness import BotHarness, all_text, button, eventually, shown_name

LEAD = "U0LEAD0001"
ANN, BEA, CAL = "U0ANNOT001", "U0ANNOT002", "U0ANNOT003"
REVIEW_CHANNEL = "C0REVIEW01"
LABEL_CHANNEL = "C0LABELS01"


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.delivery.review_posts.SECONDS_BETWEEN_POSTS", 0.0)
    monkeypatch.setattr("bot.delivery.channel_posts.SECONDS_BETWEEN_POSTS", 0.0)


def setup(
    bot: BotHarness, texts: list[str], item_fields: dict[str, Any] | None = None, **spec: Any
) -> list[int]:
    slack = {"leads": [LEAD], "review_channel": REVIEW_CHANNEL, "labeling_channel": LABEL_CHANNEL}
    spec.setdefault("overlap", 2)
    with bot.session() as session:
        project = create_project(session, make_spec(slack=slack, **spec))
        return add_items(session, project, texts, **(item_fields or {}))


def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return CliRunner().invoke(app, list(args))


def post_in_channel(bot: BotHarness) -> dict[str, Any]:
    """`/label post 1` by the lead: the item's message in the labeling channel."""
    bot.command("post 1", LEAD)
    [item_post] = bot.fake.wait_for("chat.postMessage")
    return {"ts": item_post.response["ts"], "blocks": item_post["blocks"], "text": "x"}


def answer_in_channel(bot: BotHarness, message: dict[str, Any], user: str, choice: str) -> None:
    element = button(message["blocks"], f"{Action.CHANNEL_ANSWER}:{choice}")
    response = bot.click(
        element["action_id"], element["value"], user, channel=LABEL_CHANNEL, message=message
    )
    assert response.status == 200


def review_posts(bot: BotHarness) -> list[Call]:
    calls = bot.fake.calls_to("chat.postMessage")
    return [c for c in calls if c["channel"] == REVIEW_CHANNEL and not c.get("thread_ts")]


def dm_card(bot: BotHarness, user: str) -> dict[str, Any]:
    """`/label next` and the guidelines' acknowledgement: the person's first item card."""
    dm = bot.fake.dm_channel_for(user)

    def posts() -> list[Any]:
        return [c for c in bot.fake.calls_to("chat.postMessage") if c["channel"] == dm]

    earlier = len(posts())
    bot.command_done("next", user)
    cards = eventually(lambda: posts()[earlier:])
    assert cards, f"no card in {user}'s DM"
    latest = cards[-1]
    ack = button(latest["blocks"], Action.ACK_GUIDELINES)
    seen = len(bot.responses())
    message = {"ts": latest.response["ts"], "blocks": latest["blocks"], "text": latest["text"]}
    bot.click(Action.ACK_GUIDELINES, ack["value"], user, channel=dm, message=message)

    def item_card() -> dict[str, Any] | None:
        for call in bot.responses()[seen:]:
            if f"{Action.SKIP}" in json.dumps(call.body.get("blocks", [])):
                return dict(call.body)
        return None

    card = eventually(item_card)
    assert card, f"no item card for {user}"
    return card


def mark_unsure(bot: BotHarness, card: dict[str, Any], user: str, note: str) -> None:
    """Press Unsure… on the card and submit the form with reason "ambiguous"."""
    unsure = button(card["blocks"], Action.UNSURE)
    bot.click(Action.UNSURE, unsure["value"], user)
    view = bot.fake.wait_for("views.open")[-1]["view"]
    values = {
        "reason": {"reason": {"type": "static_select", "selected_option": {"value": "ambiguous"}}},
        "note": {"note": {"type": "plain_text_input", "value": note}},
    }
    bot.slack.send(
        bot.payloads.view_submission(View.UNSURE, values, view["private_metadata"], user)
    )


def item_row(bot: BotHarness, item_id: int) -> Item:
    with bot.session() as session:
        item = session.get(Item, item_id)
        assert item is not None
        session.expunge(item)
        return item


def test_a_one_one_split_is_undecided_in_every_export_the_card_and_search(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    [item_id] = setup(bot, ["The kettle arrived dented"])
    message = post_in_channel(bot)

    answer_in_channel(bot, message, ANN, "positive")
    answer_in_channel(bot, message, BEA, "negative")

    item = item_row(bot, item_id)
    assert (item.status, item.final_label, item.final_method) == (ItemStatus.IN_REVIEW, None, None)
    exports = {}
    for fmt in ("jsonl", "csv", "label-studio", "ground-truth"):
        target = tmp_path / f"out.{fmt}"
        result = cli(
            database_url, monkeypatch, "export", "sentiment", "--format", fmt, "-o", str(target)
        )
        assert result.exit_code == 0, result.output
        assert "1 undecided item(s) exported without a final label" in result.output
        exports[fmt] = target.read_text(encoding="utf-8")
    record = json.loads(exports["jsonl"])
    assert (record["final_label"], record["final_method"]) == (None, None)
    assert record["votes"] == {"positive": 1, "negative": 1}
    [row] = csv.DictReader(io.StringIO(exports["csv"]))
    assert (row["final_label"], row["final_method"]) == ("", "")
    assert json.loads(row["votes"]) == {"positive": 1, "negative": 1}
    [task] = json.loads(exports["label-studio"])
    assert (task["meta"]["final_label"], task["meta"]["final_method"]) == (None, None)
    line = json.loads(exports["ground-truth"])
    assert "sentiment" not in line and "sentiment-metadata" not in line
    assert line["votes"] == {"positive": 1, "negative": 1}

    decided_only = cli(database_url, monkeypatch, "export", "sentiment", "--decided-only")
    assert decided_only.stdout == "" and "1 undecided item(s) left out" in decided_only.output

    [post] = eventually(lambda: review_posts(bot))
    resolve_buttons = [
        element
        for block in post["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id", "").startswith(f"{Action.RESOLVE}:")
    ]
    assert len(resolve_buttons) == 3 and all("style" not in b for b in resolve_buttons)
    assert "answers are tied" in all_text(post["blocks"])

    before = len(bot.responses())
    bot.command(f"item {item_id}", ANN)
    card = all_text(bot.wait_response(before + 1).body["blocks"])
    assert "not decided yet" in card and "Votes:_ Positive 1 · Negative 1" in card
    assert "(consensus" not in card
    before = len(bot.responses())
    bot.command("search kettle", ANN)
    results = all_text(bot.wait_response(before + 1).body["blocks"])
    assert "in review · undecided" in results and "*Positive*" not in results


def test_an_unsure_review_then_a_disagreement_is_one_review_with_both_reasons(
    bot: BotHarness,
) -> None:
    [item_id] = setup(bot, ["fine I guess"])
    message = post_in_channel(bot)
    mark_unsure(bot, dm_card(bot, ANN), ANN, "sarcasm?")
    [first_post] = eventually(lambda: review_posts(bot))
    assert "an annotator was unsure" in all_text(first_post["blocks"])

    answer_in_channel(bot, message, BEA, "positive")
    answer_in_channel(bot, message, CAL, "negative")

    assert len(review_posts(bot)) == 1, "no second post for the same item"
    with bot.session() as session:
        [only] = session.scalars(select(Review)).all()
        assert only.reasons == ["unsure", "disagreement"]
    assert item_row(bot, item_id).status is ItemStatus.IN_REVIEW
    updates = eventually(
        lambda: [
            u
            for u in bot.fake.calls_to("chat.update")
            if u["ts"] == first_post.response["ts"] and "tied" in all_text(u["blocks"])
        ]
    )
    assert updates, "the review post is updated in place"
    shown = all_text(updates[-1]["blocks"])
    assert "an annotator was unsure; answers are tied" in shown
    assert f"{shown_name(ANN)}: _Unsure_" in shown
    assert "<@" not in shown, "annotators are named, not pinged, when their item is disputed"
    assert f"{shown_name(BEA)}: *Positive*" in shown and f"{shown_name(CAL)}: *Negative*" in shown


def test_each_answer_on_an_item_with_an_open_review_refreshes_its_post(bot: BotHarness) -> None:
    setup(bot, ["meh"], overlap=3)
    message = post_in_channel(bot)
    mark_unsure(bot, dm_card(bot, ANN), ANN, "")
    [post] = eventually(lambda: review_posts(bot))

    answer_in_channel(bot, message, BEA, "neutral")

    # The channel post's own count is updated too, before or after the review post.
    updates = eventually(
        lambda: [u for u in bot.fake.calls_to("chat.update") if u["ts"] == post.response["ts"]]
    )
    assert f"{shown_name(BEA)}: *Neutral*" in all_text(updates[-1]["blocks"])


def test_a_gold_item_is_never_reviewed_and_keeps_its_gold_label(bot: BotHarness) -> None:
    [item_id] = setup(
        bot,
        ["gold one"],
        item_fields={"is_gold": True, "gold_answer": "positive"},
        review={"qa_sample_rate": 1.0},
    )

    card = dm_card(bot, ANN)
    negative = button(card["blocks"], f"{Action.ANSWER}:negative")
    bot.click(negative["action_id"], negative["value"], ANN)
    card = dm_card(bot, BEA)
    positive = button(card["blocks"], f"{Action.ANSWER}:positive")
    bot.click(positive["action_id"], positive["value"], BEA)
    assert eventually(lambda: item_row(bot, item_id).answer_count == 2)

    item = item_row(bot, item_id)
    assert (item.status, item.final_label, item.final_method) == (
        ItemStatus.COMPLETE,
        "positive",
        FinalMethod.GOLD,
    )
    with bot.session() as session:
        assert session.scalars(select(Review)).all() == []
    assert review_posts(bot) == []
    bot.click(Action.SEND_TO_REVIEW, str(item_id), LEAD)
    assert eventually(
        lambda: any("never reviewed" in c.body.get("text", "") for c in bot.responses())
    )


ITEMS_CSV = "id,text\n" + "".join(f"t{n},text {n}\n" for n in range(12))


def _answers_csv() -> str:
    """Twelve items, three annotators each: six unanimous, four 2-1 splits, two 1-1-1."""
    plans = [("positive",) * 3] * 6 + [("positive", "positive", "negative")] * 4
    plans += [("positive", "negative", "neutral")] * 2
    lines = ["id,annotator,value"]
    for n, plan in enumerate(plans):
        for who, value in zip((ANN, BEA, CAL), plan, strict=True):
            lines.append(f"t{n},{who},{value}")
    return "\n".join(lines) + "\n"


def test_agreement_figures_do_not_depend_on_the_review_threshold(
    session_factory: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from storage.db import unit_of_work

    with unit_of_work(session_factory) as session:
        for slug, threshold in (("lenient", 0.01), ("strict", 0.75)):
            create_project(
                session, make_spec(slug, overlap=3, review={"agreement_threshold": threshold})
            )
    items = tmp_path / "items.csv"
    items.write_text(ITEMS_CSV, encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text(_answers_csv(), encoding="utf-8")
    figures = {}
    for slug in ("lenient", "strict"):
        assert cli(database_url, monkeypatch, "import", slug, str(items)).exit_code == 0
        result = cli(database_url, monkeypatch, "import-annotations", slug, str(answers))
        assert result.exit_code == 0, result.output
        figures[slug] = json.loads(cli(database_url, monkeypatch, "stats", slug, "--json").stdout)

    lenient, strict = figures["lenient"], figures["strict"]
    assert (
        lenient["items"]["in_review"] == 2 and strict["items"]["in_review"] == 6
    )  # routing differs
    assert lenient["agreement"] == strict["agreement"]
    assert lenient["agreement"]["eligible_items"] == 12
    assert lenient["agreement"]["percent"] == pytest.approx((6 + 4 / 3) / 12, abs=1e-4)
    assert lenient["agreement"]["top_confusions"][0] == {
        "labels": ["negative", "positive"],
        "count": 10,
    }


def test_imported_history_is_charted_on_its_own_dates(
    session_factory: Any, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from storage.db import unit_of_work

    with unit_of_work(session_factory) as session:
        create_project(session, make_spec("history", overlap=2))
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=5), today - timedelta(days=3)]
    items = tmp_path / "items.csv"
    items.write_text("id,text\nh1,one\nh2,two\nh3,three\n", encoding="utf-8")
    rows = ["id,annotator,value,created_at"]
    for external_id, day in (("h1", days[0]), ("h2", days[1]), ("h3", days[1])):
        rows.append(f"{external_id},{ANN},positive,{day.isoformat()}T09:00:00+00:00")
        rows.append(f"{external_id},{BEA},positive,{day.isoformat()}T11:30:00+00:00")
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(rows) + "\n", encoding="utf-8")

    assert cli(database_url, monkeypatch, "import", "history", str(items)).exit_code == 0
    result = cli(database_url, monkeypatch, "import-annotations", "history", str(answers))
    assert result.exit_code == 0, result.output

    with unit_of_work(session_factory) as session:
        completed = {item.external_id: item.completed_at for item in session.scalars(select(Item))}
    assert completed["h1"].replace(tzinfo=None) == datetime(
        days[0].year, days[0].month, days[0].day, 11, 30
    )
    stats = json.loads(cli(database_url, monkeypatch, "stats", "history", "--json").stdout)
    per_day = {date.fromisoformat(d["day"]): d["completions"] for d in stats["throughput"]}
    assert per_day[days[0]] == 1 and per_day[days[1]] == 2 and per_day[today] == 0
