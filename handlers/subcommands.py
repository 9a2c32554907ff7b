"""The `/label` subcommand registry: each subcommand declares its usage, summary, who may run
it and whether it only reads, so help lists exactly what this person may run and modules add
subcommands alone. A subcommand is a flow: it returns an `Outcome` for the executor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.flows.effects import Outcome
from bot.runtime.services import Services


@dataclass(frozen=True)
class Invocation:
    """One `/label …` request."""

    user_id: str
    args: list[str]
    text: str
    channel_id: str

    @property
    def first(self) -> str | None:
        """The first argument (most subcommands' optional project)."""
        return self.args[0] if self.args else None

    def rest(self, words: int) -> str:
        """The raw text after the first `words` words (free text: feedback, a search)."""
        parts: list[Any] = self.text.strip().split(maxsplit=words)
        return str(parts[words]) if len(parts) > words else ""


Run = Callable[[Session, Services, Invocation], Outcome]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    lead_only: bool
    read_only: bool
    run: Run


REGISTRY: dict[str, Subcommand] = {}


def subcommand(
    name: str, usage: str, summary: str, *, lead_only: bool = False, read_only: bool = False
) -> Callable[[Run], Run]:
    """Register a subcommand. Lead-only ones must still check leadership of the project they
    act on: the flag only decides who sees them in help. `read_only` ones run in a read-only
    session (a replica may serve them)."""

    def register(run: Run) -> Run:
        if name in REGISTRY:
            raise ValueError(f"/label {name} is registered twice")
        REGISTRY[name] = Subcommand(name, usage, summary, lead_only, read_only, run)
        return run

    return register
