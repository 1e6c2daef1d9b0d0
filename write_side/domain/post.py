"""`decide`: what a command does to a post, as a list of events (empty = no-op).

Order of checks: existence, then visibility and permission (so a stranger learns nothing
from a refusal), then input validation, then the state table of DESIGN.md.
"""

from uuid import UUID

from event_contract import (
    PostCreated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostPublished,
    PostRestored,
    PostStatus,
    PostUnpublished,
)
from write_side.domain.access import check_may_change
from write_side.domain.commands import (
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
    IllegalTransition,
    InconsistentHistoryError,
    PostNotFound,
)
from write_side.domain.limits import Limits
from write_side.domain.state import PostState
from write_side.domain.validation import validate_create, validate_edit

POST_DELETED = "POST_DELETED"


def decide(
    state: PostState | None, command: Command, actor: Actor, limits: Limits
) -> list[PostEvent]:
    if isinstance(command, CreatePost):
        return _create(state, command, actor, limits)
    post = _existing(state, command.post_id)
    check_may_change(post, actor)
    match command:
        case EditPost():
            return _edit(post, validate_edit(command, limits))
        case PublishPost():
            return _publish(post)
        case UnpublishPost():
            return _unpublish(post)
        case DeletePost():
            return _delete(post)
        case RestorePost():
            return _restore(post)


def _create(
    state: PostState | None, command: CreatePost, actor: Actor, limits: Limits
) -> list[PostEvent]:
    if state is not None:
        raise AlreadyExists(state.post_id)
    valid = validate_create(command, limits)
    return [
        PostCreated(
            post_id=valid.post_id,
            author_id=actor.actor_id,
            title=valid.title,
            body=valid.body,
            tags=valid.tags,
            visibility=valid.visibility,
        )
    ]


def _existing(state: PostState | None, post_id: UUID) -> PostState:
    # The application loads state by the command's post_id; a mismatch is a wiring bug.
    if state is None:
        raise PostNotFound(post_id)
    if state.post_id != post_id:
        raise ValueError(f"state of post {state.post_id} given for a command on {post_id}")
    return state


def _edit(post: PostState, command: EditPost) -> list[PostEvent]:
    _refuse_if_deleted(post)
    title = _changed(command.title, post.title)
    body = _changed(command.body, post.body)
    tags = _changed(command.tags, post.tags)
    visibility = _changed(command.visibility, post.visibility)
    if (title, body, tags, visibility) == (None, None, None, None):
        return []
    return [PostEdited(post.post_id, title=title, body=body, tags=tags, visibility=visibility)]


def _changed[T](new: T | None, old: T) -> T | None:
    return None if new is None or new == old else new


def _publish(post: PostState) -> list[PostEvent]:
    _refuse_if_deleted(post)
    return [PostPublished(post.post_id)] if post.status is PostStatus.DRAFT else []


def _unpublish(post: PostState) -> list[PostEvent]:
    _refuse_if_deleted(post)
    return [PostUnpublished(post.post_id)] if post.status is PostStatus.PUBLISHED else []


def _delete(post: PostState) -> list[PostEvent]:
    return [] if post.status is PostStatus.DELETED else [PostDeleted(post.post_id)]


def _restore(post: PostState) -> list[PostEvent]:
    if post.status is not PostStatus.DELETED:
        return []
    if post.status_before_delete is None:  # evolve always sets it when deleting
        raise InconsistentHistoryError(f"deleted post {post.post_id} lacks its prior status")
    return [PostRestored(post.post_id, restored_status=post.status_before_delete)]


def _refuse_if_deleted(post: PostState) -> None:
    if post.status is PostStatus.DELETED:
        raise IllegalTransition(POST_DELETED, post.post_id)
