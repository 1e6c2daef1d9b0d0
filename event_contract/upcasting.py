"""The upcaster chain: old shapes of stored events are brought up to date on read.

Stored rows never change (the database refuses UPDATE on `events`), so when an event's shape
changes incompatibly we bump its SCHEMA_VERSION and register one step per old version here:
`(event_type, from_version) -> function(data) -> data of from_version + 1`. The codec runs the
steps in order before validating, so the rest of the code only ever sees the current shape.
"""

from collections.abc import Callable
from typing import Any

from event_contract.errors import EventDecodeError

type JsonObject = dict[str, Any]
type Upcaster = Callable[[JsonObject], JsonObject]


class UpcasterRegistry:
    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def __len__(self) -> int:
        return len(self._steps)

    def __contains__(self, step: object) -> bool:
        """`(event_type, from_version) in registry`: is that step registered?"""
        return step in self._steps

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator form of `add`."""

        def decorate(step: Upcaster) -> Upcaster:
            self.add(event_type, from_version, step)
            return step

        return decorate

    def add(self, event_type: str, from_version: int, step: Upcaster) -> None:
        if (event_type, from_version) in self._steps:
            raise ValueError(f"an upcaster for {event_type} v{from_version} is already registered")
        self._steps[event_type, from_version] = step

    def upcast(self, event_type: str, version: int, target: int, data: JsonObject) -> JsonObject:
        """Run the steps from `version` up to `target`; the caller's dict is never mutated."""
        if not 1 <= version <= target:
            raise EventDecodeError(event_type, version, f"this code knows versions 1..{target}")
        current = dict(data)
        for from_version in range(version, target):
            current = self._step(event_type, from_version, current)
        return current

    def _step(self, event_type: str, from_version: int, data: JsonObject) -> JsonObject:
        step = self._steps.get((event_type, from_version))
        if step is None:
            raise EventDecodeError(event_type, from_version, "no upcaster to the next version")
        try:
            return step(dict(data))
        except (KeyError, TypeError, ValueError) as error:
            raise EventDecodeError(event_type, from_version, f"upcaster failed: {error}") from error


# The registry the codec uses by default: one step per superseded schema version.
UPCASTERS = UpcasterRegistry()

# Steps name their event types literally rather than through the event classes: they describe
# shapes that rows were written in once, and must keep reading them whatever the classes become.


@UPCASTERS.register("posts.v1.PostRestored", from_version=1)
def _post_restored_v1_to_v2(data: JsonObject) -> JsonObject:
    # v2 renamed `status` to `restored_status`: it is the status the post returns to, where
    # `status` read like the post's current one. Nothing else changed.
    data["restored_status"] = data.pop("status")
    return data
