"""How long work reports how far it has got; the command line draws it (a bar on a terminal,
log lines elsewhere), tests and benchmarks may ignore it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def grow(self, events: int) -> None:
        """More events to do (the store's head moved on)."""

    def advance(self, events: int) -> None:
        """Events done."""

    def note(self, message: str) -> None:
        """A step other than replaying events (building indexes, swapping)."""


class NoProgress:
    def grow(self, events: int) -> None:
        pass

    def advance(self, events: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass
