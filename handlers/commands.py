"""The `/label` slash command: ack at once, then do the subcommand's work."""

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


def register(app: App) -> None:
    app.command(SLASH_COMMAND)(label_command)


def label_command(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    words = (body.get("text") or "").split()
    name, args = (words[0].lower(), words[1:]) if words else ("help", [])
    handler = SUBCOMMANDS.get(name, show_help)
    after_ack(f"/label {name}", lambda: handler(body["user_id"], args, respond, client, context))


def show_help(
    user_id: str, _args: list[str], respond: Respond, _client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    with transaction(context) as session:
        projects = flow.allowed_projects(session, services, user_id)
        lead = any(is_lead(project_spec(p), user_id, services.directory) for p in projects)
    reply(respond, render_help(lead=lead), replace=False)


def next_item(
    user_id: str, args: list[str], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    with transaction(context) as session:
        choice = flow.choose_project(session, services, user_id, args[0] if args else None)
        if choice.error:
            message = render_notice(choice.error)
        elif choice.project is None:
            message = render_project_picker(choice.choices, purpose="next")
        else:
            message = flow.next_card(
                session, services, choice.project, user_id, CardState(project_id=choice.project.id)
            )
            send_dm(client, user_id, message)
            message = render_notice(f"Your {choice.project.title} card is in your DM with me.")
    reply(respond, message, replace=False)


def guidelines(
    user_id: str, args: list[str], respond: Respond, _client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    with transaction(context) as session:
        choice = flow.choose_project(session, services, user_id, args[0] if args else None)
        if choice.error:
            message = render_notice(choice.error)
        elif choice.project is None:
            message = render_project_picker(choice.choices, purpose="guidelines")
        else:
            message = flow.guidelines_message(session, choice.project)
    reply(respond, message, replace=False)


def post_items(
    user_id: str, args: list[str], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    services = services_of(context)
    with transaction(context) as session:
        plan = channel_mode.plan_post(session, services, user_id, args)
    reply(respond, render_notice(plan.message), replace=False)
    if plan.items:
        services.background(lambda: channel_mode.post_planned(services, client, plan))


SUBCOMMANDS = {
    "help": show_help,
    "next": next_item,
    "guidelines": guidelines,
    "post": post_items,
}
