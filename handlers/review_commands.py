"""`/label feedback [project] text`: anyone may suggest a change to a project's guidelines."""

from __future__ import annotations

from slack_bolt import App

from bot.flows.review_log import leave_feedback
from bot.views.message import render_notice
from handlers.common import reply, services_of, transaction
from handlers.subcommands import Invocation, rest_of, subcommand


def register(app: App) -> None:
    """Nothing to add to the app: importing this module registers the subcommand."""


@subcommand("feedback", "feedback [project] text", "suggest a change to the guidelines")
def feedback(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        result = leave_feedback(session, services, call.user_id, rest_of(call.text, 1))
    reply(call.respond, render_notice(result.message), replace=False)
