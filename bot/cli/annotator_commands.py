"""`annotators`: each annotator's estimated accuracy in a weighted-consensus project, and
releasing a quarantined annotator (the same release as the leads' Slack button, audited)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.app import ProjectArg, console, fail, project_or_exit, reading, writing


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Annotator quality estimates and quarantine.", no_args_is_help=True)
    group.command("list")(list_annotators)
    group.command("release")(release_annotator)
    app.add_typer(group, name="annotators")


def list_annotators(project: ProjectArg) -> None:
    """Each annotator's estimated accuracy and most over-used label (Dawid–Skene projects),
    and who is quarantined.

    Example: `python -m bot annotators list review-sentiment`
    """
    from bot.domain.weighting import current_model, overused_label
    from bot.projects.sync import project_spec
    from bot.views.stats import percent
    from storage import consensus_models

    with reading() as session:
        row = project_or_exit(session, project)
        spec = project_spec(row)
        if spec.consensus.method != "dawid_skene":
            fail(f"{project} uses consensus.method {spec.consensus.method}; no estimates to show")
        compiled = current_model(session, row.id, spec)
        held = {
            q.annotator
            for q in consensus_models.quarantines(session, row.id)
            if q.released_at is None
        }
    table = Table("annotator", "answers", "estimated accuracy", "over-uses", "quarantined")
    counts = compiled.model.answer_counts
    for who, code in sorted(compiled.annotators.items()):
        habit = overused_label(compiled, who)
        table.add_row(
            who,
            f"{int(counts[code]):,}",
            percent(float(compiled.model.accuracy[code])),
            f"{habit[0]} ({habit[1]:.1f}x)" if habit else "",
            "yes" if who in held else "",
        )
    console.print(f"Model version {compiled.version} (0: not fitted yet)", highlight=False)
    console.print(table)


def release_annotator(
    project: ProjectArg,
    annotator: Annotated[str, typer.Argument(help="Slack user id of the annotator.")],
) -> None:
    """Lift an annotator's quarantine so they get items again (audited).

    Example: `python -m bot annotators release review-sentiment U012ABCDEF`
    """
    from bot.domain.quarantine import release
    from storage.models import utcnow

    actor = f"cli:{getpass.getuser()}"
    with writing() as session:
        row = project_or_exit(session, project)
        if not release(session, row, annotator, by=actor, now=utcnow()):
            fail(f"{annotator} is not quarantined in {project}")
    console.print(f"Released {annotator}: they get items of {project} again.", highlight=False)
