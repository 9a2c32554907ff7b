"""Write the previews: `index.html` (every kind, self-contained), a Markdown listing, and one
PNG per kind when Chromium is available. One call regenerates everything in the folder."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bot.preview.examples import all_shots, renderer
from bot.preview.frames import index_page, shot_page
from bot.preview.shoot import find_chromium, screenshot
from bot.preview.shots import Shot

DEFAULT_OUT = Path("docs/screenshots")
WIDTHS = {"message": 720, "modal": 640, "home": 800}
LISTING = "README.md"
_PNG_LINK = re.compile(r"\]\(([\w.-]+\.png)\)")


@dataclass
class Built:
    out: Path
    shots: list[Shot]
    pngs: list[tuple[Path, tuple[int, int]]] = field(default_factory=list)
    skipped_png: str | None = None  # why no PNGs were taken


def listing(shots: Sequence[Shot]) -> str:
    """The folder's README: every screenshot with where it appears and what built it."""
    lines = [
        "# Screenshots",
        "",
        "Every message kind the bot sends, rendered from the real view functions with example",
        "data by `scripts/preview` (`python -m bot preview`), which regenerates this folder.",
        "They imitate Slack's look; Slack's own client may differ in detail.",
        "[index.html](index.html) has them all on one page, with each message's notification",
        "text.",
        "",
    ]
    lines += [f"- [{shot.title}](#{shot.name})" for shot in shots]
    for shot in shots:
        lines += [
            "",
            f'<a id="{shot.name}"></a>',
            f"## {shot.title}",
            "",
            f"{shot.where} · `{shot.source}`",
            "",
            f"![{shot.title}]({shot.name}.png)",
        ]
    return "\n".join(lines) + "\n"


def build(
    out: Path = DEFAULT_OUT,
    *,
    png: bool = True,
    only: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _: None,
) -> Built:
    shots = all_shots()
    if only:
        unknown = set(only) - {shot.name for shot in shots}
        if unknown:
            raise ValueError(f"no such message kind: {', '.join(sorted(unknown))}")
        shots = [shot for shot in shots if shot.name in only]
    draw = renderer()
    out.mkdir(parents=True, exist_ok=True)
    built = Built(out, shots)
    if not only:
        _remove_stale(out, shots)
        (out / "index.html").write_text(index_page(draw, shots), encoding="utf-8")
        (out / LISTING).write_text(listing(shots), encoding="utf-8")
    if not png:
        built.skipped_png = "--no-png given"
        return built
    chromium = find_chromium()
    if chromium is None:
        built.skipped_png = (
            "Chromium not found: PNGs not taken (install it, e.g. `apt-get install chromium "
            "fonts-lato fonts-noto-color-emoji`, or set $CHROMIUM)"
        )
        return built
    with tempfile.TemporaryDirectory(prefix="preview-pages-") as pages:

        def take(shot: Shot) -> tuple[Path, tuple[int, int]]:
            page = Path(pages) / f"{shot.name}.html"
            page.write_text(shot_page(draw, shot), encoding="utf-8")
            target = out / f"{shot.name}.png"
            size = screenshot(chromium, page, target, WIDTHS[shot.surface])
            progress(f"{target} {size[0]}×{size[1]}, {target.stat().st_size // 1024} KB")
            return target, size

        with ThreadPoolExecutor(max_workers=2) as pool:
            built.pngs = list(pool.map(take, shots))
    return built


def _remove_stale(out: Path, shots: Sequence[Shot]) -> None:
    """Delete screenshots the previous listing named that no kind produces any more (a kind
    renamed or removed); other files in the folder are left alone."""
    previous = out / LISTING
    if not previous.exists():
        return
    wanted = {f"{shot.name}.png" for shot in shots}
    for name in set(_PNG_LINK.findall(previous.read_text(encoding="utf-8"))) - wanted:
        (out / name).unlink(missing_ok=True)
