"""Read project YAML files into validated specs, with errors naming file, field and problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.projects.messages import message
from bot.projects.spec import ProjectSpec, ResolvedGuidelines, resolve_guidelines


class ProjectFileError(Exception):
    """One or more problems in one project file; `problems` are `field: message` strings."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


@dataclass(frozen=True)
class LoadedProject:
    path: Path
    spec: ProjectSpec
    guidelines: ResolvedGuidelines


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def load_project_file(path: Path) -> LoadedProject:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ProjectFileError(
            path, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProjectFileError(path, [f"{where}invalid YAML ({problem})"]) from None
    if not isinstance(raw, dict):
        raise ProjectFileError(path, ["(top level): expected a mapping of project settings"])
    try:
        spec = ProjectSpec.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{_field_path(e['loc'])}: {message(e)}"
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise ProjectFileError(path, problems) from None
    try:
        guidelines = resolve_guidelines(spec, path.parent)
    except OSError as exc:
        raise ProjectFileError(path, [f"guidelines.file: cannot read ({exc.strerror})"]) from None
    return LoadedProject(path=path, spec=spec, guidelines=guidelines)


def project_files(path: Path) -> list[Path]:
    """A single file, or every `*.yml` / `*.yaml` directly inside a directory, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or directory")
    return sorted(p for p in path.iterdir() if p.suffix in {".yml", ".yaml"} and p.is_file())


def load_projects(path: Path) -> list[LoadedProject]:
    """Load every project under `path`; collect all files' problems before failing."""
    loaded: list[LoadedProject] = []
    errors: list[ProjectFileError] = []
    for file in project_files(path):
        try:
            loaded.append(load_project_file(file))
        except ProjectFileError as exc:
            errors.append(exc)
    slugs = [p.spec.slug for p in loaded]
    for project in loaded:
        if slugs.count(project.spec.slug) > 1:
            errors.append(
                ProjectFileError(
                    project.path, [f"slug: {project.spec.slug!r} is used by another project file"]
                )
            )
    if errors:
        problems = [f"{e.path}: {p}" for e in errors for p in e.problems]
        raise ProjectLoadError(problems)
    return loaded


class ProjectLoadError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
