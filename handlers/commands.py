"""The `/label` slash command: ack at once, then run the subcommand's flow and carry out its
outcome (`handlers.executor.ack_then_run`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlalchemy.orm import Session

from bot.flows import cards, channel_mode
from bot.flows.effects import Outcome, reply
from bot.flows.project_choice import leads_any_project
from bot.runtime.services import Services
from bot.slack.ids import SLASH_COMMAND
from bot.views.help import render_help
from handlers.executor import Request, ack_then_run
from handlers.subcommands import REGISTRY, Invocation, subcommand


def register(app: App) -> None:
    app.command(SLASH_COMMAND)(label_command)


def label_command(incoming: Request, services: Services, body: dict[str, Any]) -> None:
    text = str(body.get("text") or "")
    words = text.split()
    name, args = (words[0].lower(), words[1:]) if words else ("help", [])
    known = REGISTRY.get(name) or REGISTRY["help"]
    call = Invocation(
        user_id=str(body.get("user_id") or ""),
        args=args,
        text=text,
        channel_id=str(body.get("channel_id") or ""),
    )
    ack_then_run(
        incoming,
        lambda session: known.run(session, services, call),
        read_only_work=known.read_only,
    )


@subcommand("help", "help", "this list", read_only=True)
def show_help(session: Session, services: Services, call: Invocation) -> Outcome:
    lead = leads_any_project(session, services, call.user_id)
    rows = [(c.usage, c.summary) for c in REGISTRY.values() if lead or not c.lead_only]
    return reply(render_help(rows))


@subcommand("next", "next [project]", "get your next item in a DM")
def next_item(session: Session, services: Services, call: Invocation) -> Outcome:
    return cards.next_in_dm(session, services, call.user_id, call.first)


@subcommand("guidelines", "guidelines [project]", "read a project's guidelines")
def guidelines(session: Session, services: Services, call: Invocation) -> Outcome:
    return cards.guidelines(session, services, call.user_id, call.first)


@subcommand("post", "post N [project]", "post N items to the labeling channel", lead_only=True)
def post_items(session: Session, services: Services, call: Invocation) -> Outcome:
    return channel_mode.plan_post(session, services, call.user_id, call.args)
