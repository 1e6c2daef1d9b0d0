"""Who is calling: the authenticated service (caller) and the end user it acts for (actor).

The interceptor sets `current_call` for each RPC; servicers read it with `call_context()`.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from edges.grpc.status import ServiceError

ACTOR_ID_HEADER = "x-actor-id"
ACTOR_ROLES_HEADER = "x-actor-roles"


@dataclass(frozen=True, slots=True)
class CallContext:
    caller: str
    actor_id: UUID | None
    roles: frozenset[str]

    def require_actor(self) -> UUID:
        if self.actor_id is None:
            raise ServiceError.invalid_argument(
                [(ACTOR_ID_HEADER, "required: the UUID of the user this call acts for")],
                reason="ACTOR_REQUIRED",
            )
        return self.actor_id


current_call: ContextVar[CallContext | None] = ContextVar("current_call", default=None)


def call_context() -> CallContext:
    ctx = current_call.get()
    if ctx is None:  # pragma: no cover - the interceptor always sets it
        raise RuntimeError("no call context: the auth interceptor is not installed")
    return ctx


def parse_actor(metadata: dict[str, str]) -> tuple[UUID | None, frozenset[str]]:
    """Reads x-actor-id / x-actor-roles. A malformed actor id is refused, never ignored."""
    raw_id = metadata.get(ACTOR_ID_HEADER, "").strip()
    actor_id = None
    if raw_id:
        try:
            actor_id = UUID(raw_id)
        except ValueError:
            raise ServiceError.invalid_argument(
                [(ACTOR_ID_HEADER, "must be a UUID")], reason="ACTOR_INVALID"
            ) from None
        if actor_id.int == 0:
            # The nil UUID is the service's own (system) actor; no caller may claim it.
            raise ServiceError.invalid_argument(
                [(ACTOR_ID_HEADER, "the nil UUID is reserved for the service")],
                reason="ACTOR_INVALID",
            )
    roles = frozenset(
        r.strip().lower() for r in metadata.get(ACTOR_ROLES_HEADER, "").split(",") if r.strip()
    )
    return actor_id, roles
