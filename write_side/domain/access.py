"""Who may see and who may change a post.

Existence never leaks: to anyone who may not see a post (someone else's draft, private or
deleted post) it does not exist. Only a post they can see but may not change (someone else's
published PUBLIC or UNLISTED post) gets the more telling PERMISSION_DENIED.
"""

from event_contract import PostStatus, Visibility
from write_side.domain.commands import Actor
from write_side.domain.errors import PermissionDenied, PostNotFound
from write_side.domain.state import PostState


def may_change(state: PostState, actor: Actor) -> bool:
    return actor.actor_id == state.author_id or actor.is_privileged


def can_see(state: PostState, actor: Actor) -> bool:
    if may_change(state, actor):
        return True
    return state.status is PostStatus.PUBLISHED and state.visibility is not Visibility.PRIVATE


def check_may_change(state: PostState, actor: Actor) -> None:
    if not can_see(state, actor):
        raise PostNotFound(state.post_id)
    if not may_change(state, actor):
        raise PermissionDenied(state.post_id)
