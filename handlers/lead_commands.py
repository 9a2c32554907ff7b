"""Lead-only `/label` subcommands: export, pause, resume. Leadership is checked in the flow."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.flows import lead_tools
from bot.flows.effects import Outcome
from bot.runtime.services import Services
from handlers.subcommands import Invocation, subcommand


@subcommand(
    "export", "export [project] [format]", "get a project's export in your DM", lead_only=True
)
def export(session: Session, services: Services, call: Invocation) -> Outcome:
    return lead_tools.plan_export(session, services, call.user_id, call.args)


@subcommand("pause", "pause [project]", "stop handing out a project's items", lead_only=True)
def pause(session: Session, services: Services, call: Invocation) -> Outcome:
    return lead_tools.set_paused(session, services, call.user_id, call.first, paused=True)


@subcommand("resume", "resume [project]", "hand out a paused project's items again", lead_only=True)
def resume(session: Session, services: Services, call: Invocation) -> Outcome:
    return lead_tools.set_paused(session, services, call.user_id, call.first, paused=False)
