"""Commands: what a caller asks of a post, already translated from protobuf by the edge."""

from dataclasses import dataclass
from uuid import UUID

from event_contract import Visibility

PRIVILEGED_ROLES = frozenset({"moderator", "admin"})


@dataclass(frozen=True, slots=True)
class Actor:
    """The end user a command runs for (`x-actor-id`, `x-actor-roles`)."""

    actor_id: UUID
    roles: frozenset[str] = frozenset()

    @property
    def is_privileged(self) -> bool:
        return not self.roles.isdisjoint(PRIVILEGED_ROLES)


# Work the service does on its own behalf (e.g. UserDeleted) runs as this actor.
SYSTEM_ACTOR = Actor(UUID(int=0), frozenset({"admin"}))


@dataclass(frozen=True, slots=True)
class CreatePost:
    post_id: UUID
    title: str
    body: str
    tags: tuple[str, ...] = ()
    visibility: Visibility = Visibility.PUBLIC


@dataclass(frozen=True, slots=True)
class EditPost:
    """None = the field is not in the update mask; tags, when given, replace all tags."""

    post_id: UUID
    title: str | None = None
    body: str | None = None
    tags: tuple[str, ...] | None = None
    visibility: Visibility | None = None


@dataclass(frozen=True, slots=True)
class PublishPost:
    post_id: UUID


@dataclass(frozen=True, slots=True)
class UnpublishPost:
    post_id: UUID


@dataclass(frozen=True, slots=True)
class DeletePost:
    post_id: UUID


@dataclass(frozen=True, slots=True)
class RestorePost:
    post_id: UUID


type Command = CreatePost | EditPost | PublishPost | UnpublishPost | DeletePost | RestorePost
