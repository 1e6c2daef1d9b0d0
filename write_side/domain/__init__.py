"""The pure Post aggregate: commands, `decide`, `evolve`, invariants. No I/O of any kind."""

from write_side.domain.access import can_see, check_may_change, may_change
from write_side.domain.commands import (
    PRIVILEGED_ROLES,
    SYSTEM_ACTOR,
    Actor,
    Command,
    CreatePost,
    DeletePost,
    EditPost,
    PublishPost,
    RestorePost,
    UnpublishPost,
)
from write_side.domain.errors import (
    AlreadyExists,
    DomainError,
    FieldViolation,
    IllegalTransition,
    InconsistentHistoryError,
    InvalidInput,
    PermissionDenied,
    PostNotFound,
    VersionConflict,
)
from write_side.domain.limits import Limits, normalise_tag
from write_side.domain.post import POST_DELETED, decide
from write_side.domain.state import STATE_SCHEMA_VERSION, PostState, evolve, fold

__all__ = [
    "POST_DELETED",
    "PRIVILEGED_ROLES",
    "STATE_SCHEMA_VERSION",
    "SYSTEM_ACTOR",
    "Actor",
    "AlreadyExists",
    "Command",
    "CreatePost",
    "DeletePost",
    "DomainError",
    "EditPost",
    "FieldViolation",
    "IllegalTransition",
    "InconsistentHistoryError",
    "InvalidInput",
    "Limits",
    "PermissionDenied",
    "PostNotFound",
    "PostState",
    "PublishPost",
    "RestorePost",
    "UnpublishPost",
    "VersionConflict",
    "can_see",
    "check_may_change",
    "decide",
    "evolve",
    "fold",
    "may_change",
    "normalise_tag",
]
