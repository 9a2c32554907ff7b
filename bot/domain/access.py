"""Who may do what in a project. Checked on the server for every privileged action."""

from __future__ import annotations

from typing import Protocol

from bot.projects.spec import ProjectSpec


class Directory(Protocol):
    """Usergroup membership and display names, cached so checks on the ack path need no Web
    API call."""

    def usergroup_members(self, usergroup_id: str) -> frozenset[str]: ...

    def display_name(self, user_id: str) -> str | None: ...


def is_lead(spec: ProjectSpec, user_id: str, directory: Directory) -> bool:
    wiring = spec.slack
    if user_id in wiring.leads:
        return True
    if wiring.lead_usergroup is not None:
        return user_id in directory.usergroup_members(wiring.lead_usergroup)
    return False


def lead_ids(spec: ProjectSpec, directory: Directory) -> list[str]:
    """The project's leads: those named, and the lead user group's members."""
    members = set(spec.slack.leads)
    if spec.slack.lead_usergroup is not None:
        members |= directory.usergroup_members(spec.slack.lead_usergroup)
    return sorted(members)


def may_annotate(spec: ProjectSpec, user_id: str, directory: Directory) -> bool:
    """Anyone, a list, or a usergroup may annotate; leads always may."""
    policy = spec.slack.annotators
    if policy.mode == "anyone" or is_lead(spec, user_id, directory):
        return True
    if policy.mode == "list":
        return user_id in policy.users
    assert policy.usergroup is not None
    return user_id in directory.usergroup_members(policy.usergroup)


class StaticDirectory:
    """A directory with fixed memberships (CLI and tests)."""

    def __init__(
        self,
        groups: dict[str, frozenset[str]] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        self._groups = groups or {}
        self._names = names or {}

    def usergroup_members(self, usergroup_id: str) -> frozenset[str]:
        return self._groups.get(usergroup_id, frozenset())

    def display_name(self, user_id: str) -> str | None:
        return self._names.get(user_id)
