"""The Label Studio labeling config a project's export matches, and the results it names.

Label Studio imports an annotation only when its `from_name` is a control tag of the project's
labeling config, its `to_name` an object tag, and its `type` that control's kind. So the export
and the config written beside it (`export --label-config FILE`) come from the same names here:

- the object: `Image`, `Audio` or `Video` for a media project (named `image`, `audio`,
  `video`), else one `Text` per display field, named after the field (the first one is the
  target);
- the control: `Choices` (single or multiple), `Rating` for a 1..N scale, `TextArea` for free
  text.

`completed_by` is `{"email": …}`: Label Studio's importer accepts only an integer user id or
an email. The bot does not hold people's emails (that needs Slack's `users:read.email`
scope), so it writes `<Slack user id>@slack.invalid` (a reserved domain, RFC 2606), which
our own importer turns back into the Slack id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from bot.projects.spec import ProjectSpec, TaskKind

ResultType = Literal["choices", "rating", "textarea"]
SLACK_EMAIL_DOMAIN = "slack.invalid"


@dataclass(frozen=True)
class Names:
    """The config's tag names an exported result refers to."""

    control: str  # `from_name`
    target: str  # `to_name`
    result_type: ResultType


def names_for(spec: ProjectSpec) -> Names:
    return Names(_control_name(spec), _objects(spec)[0][1], _result_type(spec))


def result_for(spec: ProjectSpec, value: Any) -> list[dict[str, Any]]:
    """One result region holding `value`, typed for the project's labeling config."""
    if value is None:
        return []
    names = names_for(spec)
    region: dict[str, Any] = {"from_name": names.control, "to_name": names.target}
    if names.result_type == "textarea":
        region.update(type="textarea", value={"text": [str(value)]})
    elif names.result_type == "rating" and _is_star(value):
        region.update(type="rating", value={"rating": int(value)})
    else:
        choices = value if isinstance(value, list) else [value]
        region.update(type="choices", value={"choices": [str(c) for c in choices]})
    return [region]


def _is_star(value: Any) -> bool:
    return isinstance(value, str | int) and str(value).isdigit()


def completed_by(annotator: str) -> dict[str, str]:
    return {"email": f"{annotator}@{SLACK_EMAIL_DOMAIN}"}


def annotator_of(email: str) -> str:
    """The Slack id behind an exported `…@slack.invalid` address; any other email as is."""
    suffix = f"@{SLACK_EMAIL_DOMAIN}"
    return email[: -len(suffix)] if email.endswith(suffix) else email


def labeling_config(spec: ProjectSpec) -> str:
    """Label Studio's XML labeling config for the project's task and display."""
    names = names_for(spec)
    lines = ["<View>"]
    for tag, name, field, header in _objects(spec):
        if header:
            lines.append(f"  <Header value={quoteattr(header)}/>")
        lines.append(f"  <{tag} name={quoteattr(name)} value={quoteattr('$' + field)}/>")
    if spec.task.question:
        lines.append(f"  <Header value={quoteattr(spec.task.question)}/>")
    lines += _control(spec, names)
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def _objects(spec: ProjectSpec) -> list[tuple[str, str, str, str | None]]:
    """(tag, name, data field, header) of each object tag, the target first."""
    display = spec.display
    media = [
        ("Image", "image", display.image_field),
        ("Audio", "audio", display.audio_field),
        ("Video", "video", display.video_field),
    ]
    objects: list[tuple[str, str, str, str | None]] = [
        (tag, name, field, None) for tag, name, field in media if field
    ]
    used = {name for _, name, _, _ in objects}
    for shown in display.fields:
        name = _tag_name(shown.key, used)
        used.add(name)
        objects.append(("Text", name, shown.key, shown.label or shown.key))
    return objects


def _tag_name(key: str, used: set[str]) -> str:
    name = re.sub(r"\W", "_", key) or "field"
    while name in used:
        name += "_"
    return name


def _result_type(spec: ProjectSpec) -> ResultType:
    if spec.task.kind is TaskKind.FREE_TEXT:
        return "textarea"
    if _rating_stars(spec) is not None:
        return "rating"
    return "choices"


def _rating_stars(spec: ProjectSpec) -> int | None:
    """Label Studio's Rating counts 1..maxRating: a scale that starts at 1, without choices of
    its own, is one; any other rating is exported as choices."""
    task = spec.task
    if task.kind is not TaskKind.RATING or task.choices or task.scale is None:
        return None
    return task.scale.max if task.scale.min == 1 else None


def _control_name(spec: ProjectSpec) -> str:
    return {"textarea": "answer", "rating": "rating", "choices": "label"}[_result_type(spec)]


def _control(spec: ProjectSpec, names: Names) -> list[str]:
    name, target = quoteattr(names.control), quoteattr(names.target)
    if names.result_type == "textarea":
        return [f'  <TextArea name={name} toName={target} maxSubmissions="1"/>']
    if names.result_type == "rating":
        return [f'  <Rating name={name} toName={target} maxRating="{_rating_stars(spec)}"/>']
    mode = "multiple" if spec.task.kind is TaskKind.MULTI_CHOICE else "single"
    lines = [f'  <Choices name={name} toName={target} choice="{mode}" showInline="true">']
    for choice in spec.task.effective_choices:
        lines.append(f"    <Choice value={quoteattr(choice.value)} hint={quoteattr(choice.text)}/>")
    lines.append("  </Choices>")
    return lines
