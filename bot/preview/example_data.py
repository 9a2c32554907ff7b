"""Example data for previews: the repository's example projects (`examples/*.yml`) and items
read from their data files through the real importer, as transient ORM objects (no database).

People are the example projects' placeholder Slack ids with invented names, shown where
Slack would show a mention.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from bot.dataio.items import ItemBuilder, ItemMapping
from bot.dataio.problems import ProblemLog
from bot.dataio.readers import RecordReader, SourceFormat, detect_format
from bot.projects.loader import load_project_file
from bot.projects.spec import ProjectSpec
from bot.views.state import CardState
from storage.models import Item, ItemStatus, Project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
#: Project rows get ids from here, far from any test's, and a fixed version time, so the
#: process-wide spec cache (keyed by id and update time) never mixes them with real rows.
FIRST_ID = 9001
STAMP = datetime(2000, 1, 1, tzinfo=UTC)

LEAD = "U02ALICE001"
ME = "U03DAVEANN1"
PEOPLE = {
    LEAD: "Alice Moreau",
    ME: "Dave Kim",
    "U03ERINANN2": "Erin Walsh",
    "U03FRANKAN3": "Frank Osei",
    "U03SAMQCK04": "Sam Quick",
    "U03BOBLEAD1": "Bob Tanaka",
    "U04GRACE001": "Grace Lin",
}
ERIN, FRANK, SAM = "U03ERINANN2", "U03FRANKAN3", "U03SAMQCK04"

DATA_FILES = {
    "review-sentiment": "reviews.csv",
    "support-intent": "support_messages.jsonl",
    "llm-preference": "llm_pairs.jsonl",
    "image-tags": "images.csv",
    "audio-transcription": "audio_clips.jsonl",
    "answer-helpfulness": "helpfulness.csv",
}
FILES = {
    "review-sentiment": "review_sentiment.yml",
    "support-intent": "support_intent.yml",
    "llm-preference": "llm_preference.yml",
    "image-tags": "image_tags.yml",
    "audio-transcription": "audio_transcription.yml",
    "answer-helpfulness": "answer_helpfulness.yml",
}
#: An image that exists on this disk (matplotlib's sample data, a public-domain portrait), so
#: the image card shows a picture although the preview runs without network access.
PORTRAIT_URL = (
    "https://upload.wikimedia.org/wikipedia/commons/a/ad/"
    "Commodore_Grace_M._Hopper%2C_USN_%28covered%29.jpg"
)
PORTRAIT_ITEM = {
    "image_url": PORTRAIT_URL,
    "caption": "Commodore Grace M. Hopper, official portrait, 1984",
    "license": "Public domain",
}


@dataclass(frozen=True)
class Example:
    project: Project
    spec: ProjectSpec
    guidelines: str
    version: str

    @property
    def title(self) -> str:
        return self.project.title

    def state(self, **fields: Any) -> CardState:
        """A DM card's state for this project (as the flows build it)."""
        return CardState(project_id=self.project.id, **fields)


@cache
def example(slug: str) -> Example:
    """An example project as a transient row, its spec and its guidelines."""
    loaded = load_project_file(EXAMPLES / FILES[slug])
    spec = loaded.spec
    project = Project(
        id=FIRST_ID + list(FILES).index(slug),
        slug=spec.slug,
        title=spec.title,
        spec=spec.model_dump(mode="json"),
        guideline_version=loaded.guidelines.version,
        paused=False,
        created_at=STAMP,
        updated_at=STAMP,
    )
    return Example(project, spec, loaded.guidelines.text, loaded.guidelines.version)


@cache
def _rows(slug: str) -> dict[str, dict[str, Any]]:
    """The data file's items as the importer builds them, by external id."""
    ex = example(slug)
    path = EXAMPLES / "data" / DATA_FILES[slug]
    log = ProblemLog(path.name)
    builder = ItemBuilder(ex.project.id, ex.spec, ItemMapping(), path.name)
    reader = RecordReader(path, detect_format(path, SourceFormat.AUTO), log)
    rows = [builder.from_record(record.fields) for record in reader]
    if log.problems:
        raise ValueError(f"{path}: {log.problems[0]}")
    return {row["external_id"]: row for row in rows}


def item(
    slug: str,
    external_id: str,
    item_id: int,
    *,
    data: dict[str, Any] | None = None,
    **columns: Any,
) -> Item:
    """A transient item: the data file's row `external_id` (or `data`), with column overrides
    such as `status` or `answer_count`."""
    ex = example(slug)
    if data is not None:
        row: dict[str, Any] = {
            "project_id": ex.project.id,
            "external_id": external_id,
            "data": data,
            "required_answers": ex.spec.overlap,
            "is_gold": False,
        }
    else:
        row = dict(_rows(slug)[external_id])
    row.update({"id": item_id, "status": ItemStatus.OPEN, "answer_count": 0}, **columns)
    return Item(**row)


def portrait_jpeg() -> bytes:
    """The portrait, scaled to the size Slack shows an image block at."""
    import matplotlib
    from PIL import Image

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    with Image.open(path) as picture:
        picture.thumbnail((360, 360))
        out = io.BytesIO()
        picture.convert("RGB").save(out, format="JPEG", quality=82)
    return out.getvalue()
