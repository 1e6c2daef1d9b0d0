"""Progress of long command-line work: a bar on a terminal (events done, events/s, ETA), and
log lines every few seconds when stderr is not a terminal (a job's log, a pipe)."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger("post_service.progress")

BAR_WIDTH = 30
REDRAW_S = 0.1


class ProgressDisplay:
    def __init__(self, label: str, stream: TextIO = sys.stderr, log_every_s: float = 5.0) -> None:
        self._label = label
        self._stream = stream
        self._tty = stream.isatty()
        self._every_s = REDRAW_S if self._tty else log_every_s
        self._total = 0
        self._done = 0
        self._started: float | None = None
        self._shown = 0.0
        self._on_line = False

    def grow(self, events: int) -> None:
        if self._started is None:
            self._started = time.monotonic()
        self._total += events

    def advance(self, events: int) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
        self._done += events
        if now - self._shown >= self._every_s or self._done >= self._total:
            self._shown = now
            self._show(now)

    def note(self, message: str) -> None:
        self._end_line()
        if self._tty:
            print(f"{self._label}: {message}", file=self._stream, flush=True)
        else:
            log.info("%s: %s", self._label, message)

    def close(self) -> None:
        self._end_line()

    def _show(self, now: float) -> None:
        elapsed = max(now - (self._started or now), 1e-6)
        rate = self._done / elapsed
        total = max(self._total, self._done)
        eta = (total - self._done) / rate if rate else 0.0
        counts = f"{self._done:,}/{total:,} events  {rate:,.0f} events/s  ETA {_clock(eta)}"
        if not self._tty:
            log.info("%s: %s", self._label, counts)
            return
        filled = int(BAR_WIDTH * self._done / total) if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {counts}\033[K")
        self._stream.flush()
        self._on_line = True

    def _end_line(self) -> None:
        if self._on_line:
            self._stream.write("\n")
            self._stream.flush()
            self._on_line = False


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
