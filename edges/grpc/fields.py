"""Field violations of a request, collected so that one INVALID_ARGUMENT reply lists every
problem (AIP-193 BadRequest, proto field names), and the ids both sides parse."""

from __future__ import annotations

from uuid import UUID

from edges.grpc.status import ServiceError


class Violations:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, description: str) -> None:
        self.items.append((field, description))

    def raise_if_any(self) -> None:
        if self.items:
            raise ServiceError.invalid_argument(self.items)


def uuid(raw: str, field: str, problems: Violations, *, required: bool = True) -> UUID | None:
    if not raw:
        if required:
            problems.add(field, "required")
        return None
    try:
        return UUID(raw)
    except ValueError:
        problems.add(field, "must be a UUID")
        return None


def required_uuid(raw: str, field: str, problems: Violations) -> UUID:
    """The id; the nil UUID stands in for a missing or malformed one (then `problems` says so)."""
    return uuid(raw, field, problems) or UUID(int=0)
