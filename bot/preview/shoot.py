"""Screenshots with headless Chromium (Debian's `chromium` package), cropped to the content.

Chromium's `--screenshot` captures the window, whose size must be given up front, so each
page is taken in a tall window and cropped to the bounding box of everything that is not the
white page background; a capture that reaches the window's bottom is retried taller. The
flags keep Chromium off the network (a closed network refuses its background connections).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
]
#: Headless windows reserve about 150 px for browser chrome that is not drawn.
CHROME_ALLOWANCE = 200
HEIGHTS = (2400, 6000, 14000)
TIMEOUT = 90


class ScreenshotError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """`$CHROMIUM` if set, else the first Chromium or Chrome on the PATH."""
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return shutil.which(chosen)
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _capture(chromium: str, page: Path, target: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="preview-chromium-") as profile:
        command = [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={target}",
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ScreenshotError(f"Chromium took over {TIMEOUT} s on {page.name}") from None
    if done.returncode != 0 or not target.exists():
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise ScreenshotError(f"Chromium failed on {page.name} ({done.returncode}):\n{tail}")


def screenshot(chromium: str, page: Path, target: Path, width: int) -> tuple[int, int]:
    """Capture `page` into `target` as a palette PNG cropped to its content; returns its size."""
    for height in HEIGHTS:
        _capture(chromium, page, target, width, height)
        with Image.open(target) as raw:
            picture = raw.convert("RGB")
        box = ImageChops.difference(picture, Image.new("RGB", picture.size, "white")).getbbox()
        if box is None:
            raise ScreenshotError(f"{page.name} rendered as an empty page")
        if box[3] < height - CHROME_ALLOWANCE:
            cropped = picture.crop(box)
            cropped.quantize(colors=256, dither=Image.Dither.NONE).save(target, optimize=True)
            return cropped.size
    raise ScreenshotError(f"{page.name} is taller than {HEIGHTS[-1]} px")
