"""Every cell of DESIGN.md's state table, through gRPC: event, no-op or refusal.

| command                      | DRAFT         | PUBLISHED       | DELETED                  |
|------------------------------|---------------|-----------------|--------------------------|
| EditPost (changes something) | PostEdited    | PostEdited      | refused POST_DELETED     |
| EditPost (changes nothing)   | no-op         | no-op           | refused POST_DELETED     |
| PublishPost                  | PostPublished | no-op           | refused POST_DELETED     |
| UnpublishPost                | no-op         | PostUnpublished | refused POST_DELETED     |
| DeletePost                   | PostDeleted   | PostDeleted     | no-op                    |
| RestorePost                  | no-op         | no-op           | PostRestored (old status)|

DELETED is reached from both DRAFT and PUBLISHED, since RestorePost depends on which. Each
cell runs with and without expected_version, on a server that folds posts from their events and
on one that snapshots every version.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from posts.v1 import command_service_pb2 as pb

from tests.support.command_e2e import Running, refused, running_service
from tests.support.commands import Commands

TITLE = "A title"  # what Commands.create gives every post

NOOP = "no-op"
REFUSED = "refused"

type Send = Callable[[Commands, str, dict[str, Any]], Awaitable[pb.CommandResult]]

COMMANDS: dict[str, Send] = {
    "edit changes something": lambda c, post_id, kw: c.edit(post_id, title="Another title", **kw),
    "edit changes nothing": lambda c, post_id, kw: c.edit(post_id, title=f"  {TITLE} ", **kw),
    "publish": lambda c, post_id, kw: c.publish(post_id, **kw),
    "unpublish": lambda c, post_id, kw: c.unpublish(post_id, **kw),
    "delete": lambda c, post_id, kw: c.delete(post_id, **kw),
    "restore": lambda c, post_id, kw: c.restore(post_id, **kw),
}

# How to reach each state from a new draft.
STATES: dict[str, tuple[str, ...]] = {
    "draft": (),
    "published": ("publish",),
    "deleted draft": ("delete",),
    "deleted published post": ("publish", "delete"),
}

# (state, command) -> the event type appended, NOOP or REFUSED; plus the restored status.
TABLE: dict[tuple[str, str], str] = {
    ("draft", "edit changes something"): "PostEdited",
    ("draft", "edit changes nothing"): NOOP,
    ("draft", "publish"): "PostPublished",
    ("draft", "unpublish"): NOOP,
    ("draft", "delete"): "PostDeleted",
    ("draft", "restore"): NOOP,
    ("published", "edit changes something"): "PostEdited",
    ("published", "edit changes nothing"): NOOP,
    ("published", "publish"): NOOP,
    ("published", "unpublish"): "PostUnpublished",
    ("published", "delete"): "PostDeleted",
    ("published", "restore"): NOOP,
    **{
        (deleted, command): REFUSED
        for deleted in ("deleted draft", "deleted published post")
        for command in ("edit changes something", "edit changes nothing", "publish", "unpublish")
    },
    ("deleted draft", "delete"): NOOP,
    ("deleted draft", "restore"): "PostRestored",
    ("deleted published post", "delete"): NOOP,
    ("deleted published post", "restore"): "PostRestored",
}
RESTORED_TO = {"deleted draft": "DRAFT", "deleted published post": "PUBLISHED"}


def cells(*outcomes: str) -> list[Any]:
    """The table's cells whose outcome is one of these (or, given none, appends an event)."""

    def wanted(outcome: str) -> bool:
        return outcome in outcomes if outcomes else outcome not in {NOOP, REFUSED}

    return [
        pytest.param(state, command, id=f"{command} on a {state}")
        for (state, command), outcome in TABLE.items()
        if wanted(outcome)
    ]


VERSION_GIVEN = pytest.mark.parametrize(
    "with_expected_version", [False, True], ids=["any version", "expected version"]
)


# The whole table once with posts loaded from their events alone, once from snapshots.
@pytest.fixture(
    scope="module",
    params=[
        pytest.param(100, id="folded from events"),
        pytest.param(1, id="loaded from a snapshot"),
    ],
)
async def server(template_db: str, request: pytest.FixtureRequest) -> AsyncIterator[Running]:
    async with running_service(template_db, snapshot_every=request.param) as running:
        yield running


async def _post_in(author: Commands, state: str) -> pb.CommandResult:
    latest = await author.create(title=TITLE)
    for step in STATES[state]:
        latest = await COMMANDS[step](author, latest.post_id, {})
    return latest


def _options(current: pb.CommandResult, *, with_expected_version: bool) -> dict[str, Any]:
    return {"expected_version": current.version} if with_expected_version else {}


@VERSION_GIVEN
@pytest.mark.parametrize(("state", "command"), cells())
async def test_a_command_that_changes_the_post_appends_its_event_at_the_next_version(
    server, state, command, with_expected_version
):
    author = server.as_user()
    current = await _post_in(author, state)
    options = _options(current, with_expected_version=with_expected_version)

    result = await COMMANDS[command](author, current.post_id, options)

    stored = await server.events_of(current.post_id)
    assert [e.version for e in stored] == list(range(1, current.version + 2))
    event = stored[-1]
    assert event.event_type == f"posts.v1.{TABLE[state, command]}"
    assert (result.post_id, result.version, result.position) == (
        current.post_id,
        current.version + 1,
        event.position,
    )
    assert result.position > current.position
    if event.event_type == "posts.v1.PostRestored":
        assert event.data["restored_status"] == RESTORED_TO[state]


@VERSION_GIVEN
@pytest.mark.parametrize(("state", "command"), cells(NOOP))
async def test_a_no_op_returns_the_current_version_and_appends_nothing(
    server, state, command, with_expected_version
):
    author = server.as_user()
    current = await _post_in(author, state)
    options = _options(current, with_expected_version=with_expected_version)
    count_before = await server.event_count()

    result = await COMMANDS[command](author, current.post_id, options)

    assert (result.post_id, result.version, result.position) == (
        current.post_id,
        current.version,
        current.position,
    )
    assert await server.event_count() == count_before
    assert len(await server.events_of(current.post_id)) == current.version


@VERSION_GIVEN
@pytest.mark.parametrize(("state", "command"), cells(REFUSED))
async def test_a_change_to_a_deleted_post_is_refused_as_post_deleted_and_appends_nothing(
    server, state, command, with_expected_version
):
    author = server.as_user()
    current = await _post_in(author, state)
    options = _options(current, with_expected_version=with_expected_version)
    count_before = await server.event_count()

    failure = await refused(COMMANDS[command](author, current.post_id, options))

    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "POST_DELETED"
    assert await server.event_count() == count_before


def test_the_table_covers_every_state_and_command():
    assert set(TABLE) == {(s, c) for s in STATES for c in COMMANDS}
