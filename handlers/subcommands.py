"""The `/label` subcommand registry: each subcommand declares its usage, summary and who may
run it, so help lists exactly what this person may run and modules add subcommands alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient


@dataclass(frozen=True)
class Invocation:
    """One `/label …` request, after the ack."""

    user_id: str
    args: list[str]
    text: str
    channel_id: str
    respond: Respond
    client: WebClient
    context: BoltContext


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    lead_only: bool
    run: Callable[[Invocation], None]


REGISTRY: dict[str, Subcommand] = {}


def subcommand(
    name: str, usage: str, summary: str, *, lead_only: bool = False
) -> Callable[[Callable[[Invocation], None]], Callable[[Invocation], None]]:
    """Register a subcommand. Lead-only ones must still check leadership of the project they
    act on: the flag only decides who sees them in help."""

    def register(run: Callable[[Invocation], None]) -> Callable[[Invocation], None]:
        if name in REGISTRY:
            raise ValueError(f"/label {name} is registered twice")
        REGISTRY[name] = Subcommand(name, usage, summary, lead_only, run)
        return run

    return register


def rest_of(text: str, words: int) -> str:
    """The raw text after the first `words` words (free text such as feedback or a search)."""
    parts: list[Any] = text.strip().split(maxsplit=words)
    return str(parts[words]) if len(parts) > words else ""
