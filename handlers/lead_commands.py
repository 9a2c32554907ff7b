"""Lead-only `/label` subcommands: export, pause, resume. Leadership is checked in the flow."""

from __future__ import annotations

from bot.flows import lead_tools
from bot.views.message import render_notice
from handlers.common import after_ack, reply, services_of, transaction
from handlers.subcommands import Invocation, subcommand


@subcommand(
    "export", "export [project] [format]", "get a project's export in your DM", lead_only=True
)
def export(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        plan = lead_tools.plan_export(session, services, call.user_id, call.args)
    if isinstance(plan, str):
        return reply(call.respond, render_notice(plan), replace=False)
    reply(
        call.respond,
        render_notice(f"Exporting {plan.title} as {plan.fmt.value}; the file will be in your DM."),
        replace=False,
    )

    def work() -> None:
        after_ack("export", lambda: _export(call, plan))

    services.background(work)
    return None


def _export(call: Invocation, plan: lead_tools.ExportPlan) -> None:
    try:
        lead_tools.run_export(services_of(call.context), call.client, call.user_id, plan)
    except Exception:
        reply(call.respond, render_notice(f"The export of {plan.title} failed."), replace=False)
        raise


@subcommand("pause", "pause [project]", "stop handing out a project's items", lead_only=True)
def pause(call: Invocation) -> None:
    _set_paused(call, paused=True)


@subcommand("resume", "resume [project]", "hand out a paused project's items again", lead_only=True)
def resume(call: Invocation) -> None:
    _set_paused(call, paused=False)


def _set_paused(call: Invocation, *, paused: bool) -> None:
    services = services_of(call.context)
    slug = call.args[0] if call.args else None
    with transaction(call.context) as session:
        message = lead_tools.set_paused(session, services, call.user_id, slug, paused=paused)
    reply(call.respond, render_notice(message), replace=False)
