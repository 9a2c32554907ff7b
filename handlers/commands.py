"""The `/label` slash command: ack at once, then run the subcommand after the ack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.domain.access import is_lead
from bot.flows import channel_mode
from bot.flows import labeling as flow
from bot.flows.live_card import post_card
from bot.flows.project_choice import all_projects, choose_project
from bot.projects.sync import listable_projects, project_spec
from bot.runtime.failures import DATABASE_UNAVAILABLE
from bot.slack.ids import SLASH_COMMAND
from bot.slack.request_errors import TRY_AGAIN
from bot.views.help import render_help
from bot.views.message import Message, render_notice
from bot.views.pickers import Purpose, render_project_picker
from bot.views.state import CardState
from handlers.common import after_ack, reply, services_of, transaction
from handlers.subcommands import REGISTRY, Invocation, subcommand
from storage.db import read_only
from storage.models import Project


def register(app: App) -> None:
    app.command(SLASH_COMMAND)(label_command)


def label_command(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    text = str(body.get("text") or "")
    words = text.split()
    name, args = (words[0].lower(), words[1:]) if words else ("help", [])
    known = REGISTRY.get(name)
    invocation = Invocation(
        user_id=str(body["user_id"]),
        args=args,
        text=text,
        channel_id=str(body.get("channel_id") or ""),
        respond=respond,
        client=client,
        context=context,
    )
    run = known.run if known is not None else show_help
    after_ack(f"/label {name if known else '(unknown)'}", lambda: _telling_outages(run, invocation))


def _telling_outages(run: Callable[[Invocation], None], call: Invocation) -> None:
    """Run a subcommand; when the database is out of reach, say so before `after_ack` logs it."""
    try:
        run(call)
    except DATABASE_UNAVAILABLE:
        reply(call.respond, render_notice(TRY_AGAIN), replace=False)
        raise


def leads_any_project(context: BoltContext, user_id: str) -> bool:
    services = services_of(context)
    with read_only(services.sessions) as session:
        projects = listable_projects(all_projects(session))
        return any(is_lead(project_spec(p), user_id, services.directory) for p in projects)


@subcommand("help", "help", "this list")
def show_help(call: Invocation) -> None:
    lead = leads_any_project(call.context, call.user_id)
    rows = [(c.usage, c.summary) for c in REGISTRY.values() if lead or not c.lead_only]
    reply(call.respond, render_help(rows), replace=False)


def _for_chosen_project(
    call: Invocation, purpose: Purpose, build: Callable[[Session, Project], Message]
) -> Message | tuple[Project, Message]:
    """The named or only project's message, or the refusal or picker to show instead."""
    services = services_of(call.context)
    with transaction(call.context) as session:
        choice = choose_project(session, services, call.user_id, _first(call.args))
        if choice.error:
            return render_notice(choice.error)
        if choice.project is None:
            return render_project_picker(choice.choices, purpose=purpose)
        return choice.project, build(session, choice.project)


@subcommand("next", "next [project]", "get your next item in a DM")
def next_item(call: Invocation) -> None:
    services = services_of(call.context)
    chosen = _for_chosen_project(
        call,
        "next",
        lambda session, project: flow.next_card(
            session, services, project, call.user_id, CardState(project_id=project.id)
        ),
    )
    if isinstance(chosen, tuple):  # the card is stored; post it after the transaction
        project, card = chosen
        post_card(services, call.client, call.user_id, project.id, card)
        chosen = render_notice(f"Your {project.title} card is in your DM with me.")
    reply(call.respond, chosen, replace=False)


@subcommand("guidelines", "guidelines [project]", "read a project's guidelines")
def guidelines(call: Invocation) -> None:
    chosen = _for_chosen_project(call, "guidelines", flow.guidelines_message)
    reply(call.respond, chosen[1] if isinstance(chosen, tuple) else chosen, replace=False)


@subcommand("post", "post N [project]", "post N items to the labeling channel", lead_only=True)
def post_items(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        plan = channel_mode.plan_post(session, services, call.user_id, call.args)
    reply(call.respond, render_notice(plan.message), replace=False)
    if plan.items:
        services.background(lambda: channel_mode.post_planned(services, call.client, plan))


def _first(args: list[str]) -> str | None:
    return args[0] if args else None
