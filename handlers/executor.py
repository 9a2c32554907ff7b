"""The one executor of flows' outcomes: run the flow in a transaction, ack, commit, then carry
out its effects, each on its own so one failing Web API call never stops the rest or turns
into an error for Slack (the ack has been sent).

Bolt runs listeners in the request's own thread (`process_before_response`), so the ack is
answered the moment the listener returns; everything after the ack is handed to the services'
`after_ack` pool here, and nowhere else.

Three shapes of request:
- `store_then_ack`: a click whose result must be stored before Slack hears back (an answer);
- `ack_then_run`: a command or a read, acked at once (the work may take longer than 3 s);
- `submit`: a modal submission, whose refusal is shown in the form, next to its input.

A `Refusal` rolls the transaction back: nothing half-done is ever stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.delivery.cards import make_live, post_card
from bot.delivery.channel_posts import post_items
from bot.delivery.digests import post_digest_now
from bot.delivery.exports import send_export
from bot.delivery.lookup_cards import lookup_card
from bot.delivery.message_items import add_message, open_message_modal
from bot.delivery.review_posts import publish_in_background
from bot.flows.effects import (
    AddMessage,
    DirectMessage,
    Effect,
    Ephemeral,
    MakeLive,
    OpenMessageModal,
    OpenModal,
    Outcome,
    Post,
    PostCard,
    PostDigest,
    PostItems,
    PublishHome,
    PublishReviews,
    Refusal,
    Reply,
    SendExport,
    ShowItem,
    Update,
)
from bot.runtime.failures import DATABASE_UNAVAILABLE, log_failure, reason
from bot.runtime.services import Services
from bot.slack.messaging import post_message, send_dm, update_message
from bot.slack.request_errors import TRY_AGAIN
from bot.slack.respond import RetryingRespond
from bot.views.message import Message, render_notice
from bot.views.state import Clicked
from storage.db import read_only, unit_of_work

log = logging.getLogger("handlers")

Work = Callable[[Session], Outcome]


@dataclass(frozen=True)
class Request:
    """What carrying out needs from a Bolt request."""

    ack: Callable[..., Any]
    respond: Respond | None
    client: WebClient
    services: Services
    trigger_id: str | None = None
    what: str = "a request"
    user: str | None = None


def store_then_ack(request: Request, work: Work) -> None:
    """Store first (the answer must be kept before Slack hears back), then ack and carry out;
    a database outage is acked with a "try again" note."""
    try:
        outcome = _run(request.services, work)
    except DATABASE_UNAVAILABLE as exc:
        _unavailable(request, exc)
        request.ack()
        after_ack(request, [Reply(render_notice(TRY_AGAIN))])
        return
    request.ack()
    after_ack(request, outcome)


def ack_then_run(request: Request, work: Work, *, read_only_work: bool = False) -> None:
    """Ack at once, then run the flow (a slash command, a read) and carry out its outcome."""
    request.ack()

    def run() -> None:
        try:
            outcome = _run(request.services, work, read_only_work=read_only_work)
        except DATABASE_UNAVAILABLE as exc:
            _unavailable(request, exc)
            _each(request, [Reply(render_notice(TRY_AGAIN))])
            return
        carry_out(request, outcome)

    request.services.after_ack(run)


def submit(request: Request, work: Work, error_block: str) -> None:
    """A modal submission: a refusal (or an outage) is shown in the form and nothing is
    stored; otherwise the modal closes and the effects follow."""
    try:
        outcome = _run(request.services, work)
    except Exception as exc:
        log_failure(log, "could not store a modal submission", exc)
        request.ack(
            response_action="errors", errors={error_block: "Could not save; please try again."}
        )
        return
    if isinstance(outcome, Refusal):
        request.ack(response_action="errors", errors={error_block: outcome.text[:150]})
        return
    request.ack()
    after_ack(request, outcome)


def refuse(request: Request, text: str) -> None:
    """Ack, then tell the presser privately why nothing happened."""
    request.ack()
    after_ack(request, Refusal(text))


def after_ack(request: Request, outcome: Outcome) -> None:
    """Carry out an outcome on the after-ack pool (the listener returns, and Bolt answers)."""
    request.services.after_ack(lambda: carry_out(request, outcome))


def _unavailable(request: Request, exc: BaseException) -> None:
    log.error("could not apply %s: the database is unavailable (%s)", request.what, reason(exc))


def _run(services: Services, work: Work, *, read_only_work: bool = False) -> Outcome:
    if read_only_work:
        with read_only(services.sessions) as session:
            return work(session)
    with unit_of_work(services.sessions) as session:
        outcome = work(session)
        if isinstance(outcome, Refusal):
            session.rollback()  # a refusal stores nothing, whatever the flow had begun
        return outcome


def carry_out(request: Request, outcome: Outcome) -> None:
    """After the ack: each effect in order, a failure logged and the rest carried on."""
    if isinstance(outcome, Refusal):
        _each(request, [Reply(outcome.notice)])
    else:
        _each(request, outcome)


def _each(request: Request, effects: list[Effect]) -> None:
    for effect in effects:
        try:
            perform(request, effect)
        except Exception as exc:  # noqa: BLE001 - after the ack nothing may reach Bolt
            log.warning("%s failed after ack: %s", type(effect).__name__, _describe(exc))


def perform(request: Request, effect: Effect) -> None:
    """One effect, the only place listeners' Web API calls are made."""
    client, services = request.client, request.services
    match effect:
        case Reply(message=message, replace=replace, url=url) if url is not None:
            other = RetryingRespond(response_url=url, proxy=client.proxy, ssl=client.ssl)
            _respond(other, message, replace=replace)
        case Reply(message=message, replace=replace):
            if request.respond is not None:
                _respond(request.respond, message, replace=replace)
            elif request.user:  # no response_url (an App Home button): the DM is private
                send_dm(client, request.user, message)
        case Post(channel=channel, message=message, thread_ts=thread_ts):
            post_message(client, channel, message, thread_ts=thread_ts)
        case Update(channel=channel, ts=ts, message=message):
            update_message(client, channel, ts, message)
        case DirectMessage(user=user, message=message):
            send_dm(client, user, message)
        case Ephemeral(channel=channel, user=user, message=message):
            client.chat_postEphemeral(
                channel=channel, user=user, text=message.text, blocks=message.blocks
            )
        case OpenModal(view=view):
            client.views_open(trigger_id=request.trigger_id, view=view)
        case OpenMessageModal():
            open_message_modal(client, request.trigger_id, effect)
        case AddMessage():
            _each(request, add_message(services, client, effect))
        case PublishHome(user=user, view=view):
            client.views_publish(user_id=user, view=view)
        case PostCard(user=user, project_id=project_id, message=message):
            post_card(services, client, user, project_id, message)
        case ShowItem(details=details):
            if request.respond is not None:
                _respond(request.respond, lookup_card(client, details), replace=False)
        case MakeLive(user=user, project_id=project_id, channel=channel, ts=ts):
            make_live(services, client, user, project_id, Clicked(channel=channel, ts=ts))
        case PublishReviews(project_id=project_id):
            publish_in_background(services, client, project_id)
        case PostItems():
            services.background(lambda: post_items(services, client, effect))
        case SendExport():
            services.background(lambda: send_export(services, client, effect, request.respond))
        case PostDigest():
            services.background(lambda: post_digest_now(services, client, effect))


def _respond(respond: Respond, message: Message, *, replace: bool) -> None:
    """Answer through the interaction's response_url (no chat.update rate limit)."""
    if replace:
        respond(replace_original=True, blocks=message.blocks, text=message.text)
    else:
        respond(
            response_type="ephemeral",
            replace_original=False,
            blocks=message.blocks,
            text=message.text,
        )


def _describe(exc: Exception) -> str:
    response: Any = getattr(exc, "response", None)
    if response is not None and hasattr(response, "get"):
        return f"{type(exc).__name__} ({response.get('error')})"
    return type(exc).__name__
