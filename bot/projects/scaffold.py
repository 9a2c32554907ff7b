"""A new project file from a few answers (`python -m bot projects init`).

A newcomer knows the title, the labels, two channels and who leads; everything else has a
default the written file explains in comments. The file is checked by the same loader that
`projects sync` uses before it is put in place, so `init` never writes a project that will
not load.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from bot.projects.loader import ProjectFileError, load_project_file
from bot.projects.messages import ID_HINTS
from bot.projects.spec import CHANNEL_PATTERN, SLUG_PATTERN, USER_PATTERN
from bot.runtime.files import follow_umask

MAX_CHOICES = 25


class DraftError(ValueError):
    """An answer that cannot go into a project file; the message says which and why."""


@dataclass(frozen=True)
class ProjectDraft:
    """What `init` asks for. `choices` are the labels as people read them."""

    title: str
    choices: list[str]
    labeling_channel: str
    review_channel: str
    leads: list[str]
    slug: str = ""
    question: str = "Which label fits best?"
    field_key: str = "text"
    multi: bool = False
    overlap: int = 1
    values: list[str] = field(init=False)

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise DraftError("the title is empty")
        object.__setattr__(self, "slug", check_slug(self.slug or slug_from(self.title)))
        if len(self.choices) < 2:
            raise DraftError("give at least two labels (choices)")
        if len(self.choices) > MAX_CHOICES:
            raise DraftError(f"at most {MAX_CHOICES} labels fit on a card")
        values = [choice_value(text) for text in self.choices]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise DraftError(f"two labels would share the value {twice[0]!r}; rename one")
        object.__setattr__(self, "values", values)
        check_channel(self.labeling_channel, "the labeling channel")
        check_channel(self.review_channel, "the review channel")
        if not self.leads:
            raise DraftError("name at least one lead (a member ID such as U0123ABCD)")
        for lead in self.leads:
            check_user(lead)
        if not 1 <= self.overlap <= 50:
            raise DraftError("overlap is between 1 and 50 answers per item")


def slug_from(title: str) -> str:
    """`Customer review sentiment!` -> `customer-review-sentiment` (ASCII, at most 63)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:63].strip("-")


def choice_value(text: str) -> str:
    """The stored value of a label: `Account access` -> `account_access`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:64]
    if not value:
        raise DraftError(f"the label {text!r} needs a letter or digit")
    if len(text.strip()) > 60:
        raise DraftError(f"the label {text[:30]!r}… is longer than 60 characters")
    return value


def check_slug(slug: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise DraftError(
            f"the slug {slug!r} must be lower-case letters, digits and dashes (at most 63)"
        )
    return slug


def check_channel(channel: str, what: str) -> str:
    if not re.fullmatch(CHANNEL_PATTERN, channel):
        raise DraftError(f"{what} {channel!r} should be {ID_HINTS[CHANNEL_PATTERN]}")
    return channel


def check_user(user: str) -> str:
    if not re.fullmatch(USER_PATTERN, user):
        raise DraftError(f"the lead {user!r} should be {ID_HINTS[USER_PATTERN]}")
    return user


def _quoted(text: str) -> str:
    """A YAML scalar that stays the text given (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def project_yaml(draft: ProjectDraft) -> str:
    """The project file, with comments on what to change next."""
    choices = "\n".join(
        f"    - value: {value}\n      text: {_quoted(text.strip())}"
        for value, text in zip(draft.values, draft.choices, strict=True)
    )
    leads = ", ".join(draft.leads)
    kind = "multi_choice" if draft.multi else "single_choice"
    return f"""\
# Written by `python -m bot projects init`. The README's "Projects" section and the files in
# examples/ show every other setting (gold questions, review policy, digests, pay).
slug: {draft.slug}
title: {_quoted(draft.title.strip())}
guidelines:
  file: guidelines/{draft.slug}.md
task:
  kind: {kind}
  question: {_quoted(draft.question.strip())}
  choices:
{choices}
display:
  fields:
    - key: {draft.field_key}
# Answers each item gets. With 3 or more, disagreements go to the review channel and the
# digests show agreement; 1 is enough to try the bot alone.
overlap: {draft.overlap}
slack:
  labeling_channel: {draft.labeling_channel}
  review_channel: {draft.review_channel}
  leads: [{leads}]
  annotators:
    mode: anyone
"""


def guidelines_markdown(draft: ProjectDraft) -> str:
    """A guidelines file with one section per label, the shape the review posts quote from."""
    sections = "\n".join(
        f"## {_heading(value, text.strip())}\n\n"
        "When does an item get this label? Give an example.\n"
        for value, text in zip(draft.values, draft.choices, strict=True)
    )
    return f"# {draft.title.strip()}\n\n{draft.question.strip()}\n\n{sections}"


def _heading(value: str, text: str) -> str:
    """`## account_access — Account access`: review posts find a section by its value."""
    return value if text.lower() == value else f"{value} — {text}"


@dataclass(frozen=True)
class Written:
    project_file: Path
    guidelines_file: Path
    guidelines_kept: bool


def write_project(draft: ProjectDraft, directory: Path, *, force: bool = False) -> Written:
    """Write `<slug>.yml` (and its guidelines, unless they exist) into `directory`.

    Raises DraftError when the file exists (without `force`) or when the written file would
    not load; nothing is left behind in that case.
    """
    target = directory / f"{draft.slug}.yml"
    if target.exists() and not force:
        raise DraftError(f"{target} already exists (pass --force to replace it)")
    guidelines = directory / "guidelines" / f"{draft.slug}.md"
    kept = guidelines.exists()
    guidelines.parent.mkdir(parents=True, exist_ok=True)
    if not kept:
        _write_new(guidelines, guidelines_markdown(draft))
    staged = _staged(directory, project_yaml(draft))
    try:
        load_project_file(staged)
        staged.replace(target)
    except ProjectFileError as exc:  # a bug here, not the user's input: say what failed
        if not kept:
            guidelines.unlink(missing_ok=True)
        raise DraftError("the project file would not load: " + "; ".join(exc.problems)) from exc
    finally:
        staged.unlink(missing_ok=True)
    return Written(target, guidelines, kept)


def _staged(directory: Path, text: str) -> Path:
    """A hidden file beside the target, created with the umask's permissions."""
    descriptor, name = tempfile.mkstemp(dir=directory, prefix=".init-", suffix=".yml")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    staged = Path(name)
    follow_umask(staged)
    return staged


def _write_new(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
