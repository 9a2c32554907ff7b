"""Every message kind the bot sends, built by the real view functions from example data.

Each `Shot` is what one view returns (blocks, notification text, modal or Home view), never
hand-written Block Kit, so a preview shows the product as it is.
"""

from __future__ import annotations

from bot.preview.example_data import PEOPLE, PORTRAIT_URL, portrait_jpeg
from bot.preview.examples_labeling import labeling_shots
from bot.preview.examples_model import model_shots
from bot.preview.examples_reports import report_shots
from bot.preview.examples_review import review_shots
from bot.preview.frames import png_uri
from bot.preview.html import BlockRenderer
from bot.preview.shots import Shot


def all_shots() -> list[Shot]:
    shots = [*labeling_shots(), *review_shots(), *model_shots(), *report_shots()]
    names = [shot.name for shot in shots]
    duplicated = {name for name in names if names.count(name) > 1}
    if duplicated:
        raise ValueError(f"shot names used twice: {sorted(duplicated)}")
    return shots


def renderer() -> BlockRenderer:
    """A renderer that names the example people and shows the example image offline."""
    portrait = png_uri(portrait_jpeg()).replace("image/png", "image/jpeg")
    return BlockRenderer(users=PEOPLE, images={PORTRAIT_URL: portrait})
