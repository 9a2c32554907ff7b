"""The `/label` slash command: ack at once, then run the subcommand after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.domain.access import is_lead
from bot.flows import channel_mode
from bot.flows import labeling as flow
from bot.ids import SLASH_COMMAND
from bot.projects.sync import project_spec
from bot.views.help import render_help
from bot.views.labeling_card import render_notice
from bot.views.pickers import render_project_picker
from bot.views.state import CardState
from handlers.common import after_ack, reply, send_dm, services_of, transaction
from handlers.subcommands import REGISTRY, Invocation, subcommand


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
    after_ack(f"/label {name if known else '(unknown)'}", lambda: run(invocation))


def leads_any_project(context: BoltContext, user_id: str) -> bool:
    services = services_of(context)
    with transaction(context) as session:
        projects = flow.all_projects(session)
        return any(is_lead(project_spec(p), user_id, services.directory) for p in projects)


@subcommand("help", "help", "this list")
def show_help(call: Invocation) -> None:
    lead = leads_any_project(call.context, call.user_id)
    rows = [(c.usage, c.summary) for c in REGISTRY.values() if lead or not c.lead_only]
    reply(call.respond, render_help(rows), replace=False)


@subcommand("next", "next [project]", "get your next item in a DM")
def next_item(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        choice = flow.choose_project(session, services, call.user_id, _first(call.args))
        if choice.error:
            message = render_notice(choice.error)
        elif choice.project is None:
            message = render_project_picker(choice.choices, purpose="next")
        else:
            card = flow.next_card(
                session,
                services,
                choice.project,
                call.user_id,
                CardState(project_id=choice.project.id),
            )
            send_dm(call.client, call.user_id, card)
            message = render_notice(f"Your {choice.project.title} card is in your DM with me.")
    reply(call.respond, message, replace=False)


@subcommand("guidelines", "guidelines [project]", "read a project's guidelines")
def guidelines(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        choice = flow.choose_project(session, services, call.user_id, _first(call.args))
        if choice.error:
            message = render_notice(choice.error)
        elif choice.project is None:
            message = render_project_picker(choice.choices, purpose="guidelines")
        else:
            message = flow.guidelines_message(session, choice.project)
    reply(call.respond, message, replace=False)


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
