"""`/label stats`, `/label me` and `/label digest`.

Subcommands register on import (the `@subcommand` decorator); `register(app)` has no listener
of its own to add and exists so `handlers.register` imports this module.
"""

from __future__ import annotations

from slack_bolt import App

from bot.flows.stats import my_stats_message, plan_digest, stats_message
from bot.reports.digest_delivery import manual_period, post_digest
from bot.views.message import render_notice
from handlers.common import reply, services_of, transaction
from handlers.subcommands import Invocation, subcommand


def register(app: App) -> None:
    """Nothing to add: the subcommands below registered when this module was imported."""


@subcommand("stats", "stats [project]", "a project's progress, pace and agreement")
def show_stats(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        message = stats_message(session, services, call.user_id, _first(call.args))
    reply(call.respond, message, replace=False)


@subcommand("me", "me [project]", "your own figures, and this month's hours, pay and bonus")
def show_mine(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        message = my_stats_message(session, services, call.user_id, _first(call.args))
    reply(call.respond, message, replace=False)


@subcommand("digest", "digest [project] [weekly]", "post a project's digest now", lead_only=True)
def post_digest_now(call: Invocation) -> None:
    services = services_of(call.context)
    with transaction(call.context) as session:
        plan = plan_digest(session, services, call.user_id, call.args)
    reply(call.respond, render_notice(plan.message), replace=False)
    slug = plan.slug
    if slug is None:
        return
    now = services.clock()

    def post() -> None:
        post_digest(
            services.sessions,
            call.client,
            services.directory,
            slug,
            plan.kind,
            manual_period(now),
            now,
        )

    services.background(post)


def _first(args: list[str]) -> str | None:
    return args[0] if args else None
