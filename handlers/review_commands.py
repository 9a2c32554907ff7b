"""`/label feedback [project] text`: anyone may suggest a change to a project's guidelines."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from bot.flows.effects import Outcome
from bot.flows.review_log import leave_feedback
from bot.runtime.services import Services
from handlers.subcommands import Invocation, subcommand


def register(app: App) -> None:
    """Nothing to add to the app: importing this module registers the subcommand."""


@subcommand("feedback", "feedback [project] text", "suggest a change to the guidelines")
def feedback(session: Session, services: Services, call: Invocation) -> Outcome:
    return leave_feedback(session, services, call.user_id, call.rest(1))
