"""CPU time and peak memory of processes, read from /proc (Linux), for the click bench.

Wall-clock figures on a shared 2-core machine move by tens of percent from run to run; CPU
seconds per operation move much less, so the bench reports both. The load generator shares
the cores with the server, so its own CPU is measured too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def children(parent: int) -> list[int]:
    """The direct children of `parent` (gunicorn's workers under its master)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def named(prefix: str) -> list[int]:
    """Processes whose command name starts with `prefix` (e.g. the PostgreSQL server's)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().startswith(prefix):
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class CpuMeter:
    """CPU seconds spent by a set of processes between `start()` and `stop()`.

    Processes are looked up again at `stop()`, so one that started meanwhile (a PostgreSQL
    backend for a new connection) counts from zero and one that ended is not counted.
    """

    find: Callable[[], list[int]]
    _start: dict[int, float] | None = None
    seconds: float = 0.0

    def _read(self) -> dict[int, float]:
        return {pid: cpu_seconds(pid) for pid in self.find()}

    def start(self) -> None:
        self._start = self._read()

    def stop(self) -> float:
        before = self._start or {}
        after = self._read()
        self.seconds = sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())
        return self.seconds


def load_average() -> float:
    return os.getloadavg()[0]
