"""`/label stats`, `/label me` and `/label digest`.

Subcommands register on import (the `@subcommand` decorator); `register(app)` has no listener
of its own to add and exists so `handlers.register` imports this module.
"""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session

from bot.flows.effects import Outcome
from bot.flows.stats import my_stats_message, plan_digest, stats_message
from bot.runtime.services import Services
from handlers.subcommands import Invocation, subcommand


def register(app: App) -> None:
    """Nothing to add: the subcommands below registered when this module was imported."""


@subcommand("stats", "stats [project]", "a project's progress, pace and agreement")
def show_stats(session: Session, services: Services, call: Invocation) -> Outcome:
    return stats_message(session, services, call.user_id, call.first)


@subcommand("me", "me [project]", "your own figures, and this month's hours, pay and bonus")
def show_mine(session: Session, services: Services, call: Invocation) -> Outcome:
    return my_stats_message(session, services, call.user_id, call.first)


@subcommand("digest", "digest [project] [weekly]", "post a project's digest now", lead_only=True)
def post_digest_now(session: Session, services: Services, call: Invocation) -> Outcome:
    return plan_digest(session, services, call.user_id, call.args)
