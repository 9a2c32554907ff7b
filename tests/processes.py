"""Running the real `python -m bot run --http` as a subprocess in tests."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[Any], timeout: float = 40) -> bytes:
    """Poll `/healthz` until it answers; fail early (with the output) if the process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.communicate()[0] if proc.stdout else ""
            raise AssertionError(f"the bot exited with {proc.returncode}: {output}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                return bytes(resp.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the bot never became healthy")
