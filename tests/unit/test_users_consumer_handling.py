"""The users consumer's decisions without Kafka or PostgreSQL, with hand-written fakes: what is
handled, skipped, retried and dead-lettered; what a dead letter carries; which commands a
UserDeleted becomes."""

from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest

from edges.kafka.records import Record
from event_contract.consumed import ConsumedEvent, UserDeleted
from write_side.application.handler import CommandContext, CommandResult
from write_side.domain import SYSTEM_ACTOR, Command, DeletePost
from write_side.entrypoints.users_consumer.dead_letters import dead_letter
from write_side.entrypoints.users_consumer.deletion import (
    CALLER,
    UserPostsDeleter,
    fingerprint,
    request_id,
)
from write_side.entrypoints.users_consumer.handling import MessageHandler

USER_ID = UUID("6f1c0000-0000-7000-8000-000000000001")
VALUE = b'{"user_id":"6f1c0000-0000-7000-8000-000000000001","deleted_at":"2026-11-27T08:00:00Z"}'
CE = (
    ("ce_specversion", b"1.0"),
    ("ce_id", b"evt-1"),
    ("ce_source", b"users-service"),
    ("ce_type", b"users.v1.UserDeleted"),
)


@dataclass(frozen=True)
class HandMadeRecord:
    value: bytes | None = VALUE
    headers: tuple[tuple[str, bytes], ...] = CE
    key: bytes | None = b"6f1c0000-0000-7000-8000-000000000001"
    topic: str = "users.events.v1"
    partition: int = 2
    offset: int = 41


@dataclass
class FakeDeleter:
    """Fails the first `failures` calls, then deletes `posts` posts."""

    failures: int = 0
    posts: int = 3
    calls: list[tuple[str, UUID]] = field(default_factory=list)

    async def delete_posts_of(self, event: ConsumedEvent, user: UserDeleted) -> int:
        self.calls.append((event.id, user.user_id))
        if len(self.calls) <= self.failures:
            raise ConnectionError("database unreachable")
        return self.posts


@dataclass
class FakeDeadLetters:
    sent: list[tuple[Record, str]] = field(default_factory=list)

    async def send(self, record: Record, error: str) -> None:
        self.sent.append((record, error))


@dataclass
class FakeHealth:
    reports: list[bool] = field(default_factory=list)

    async def report(self, *, serving: bool) -> None:
        self.reports.append(serving)


@dataclass
class Handled:
    handler: MessageHandler
    deleter: FakeDeleter
    dead_letters: FakeDeadLetters
    health: FakeHealth


def handler(failures: int = 0, max_attempts: int = 3) -> Handled:
    deleter, dead_letters, health = FakeDeleter(failures), FakeDeadLetters(), FakeHealth()
    made = MessageHandler(deleter, dead_letters, health, max_attempts, backoff_max_s=0.001)
    return Handled(made, deleter, dead_letters, health)


async def test_a_user_deleted_is_handled_once_and_not_dead_lettered() -> None:
    h = handler()

    await h.handler.handle(HandMadeRecord())

    assert (h.deleter.calls, h.dead_letters.sent) == ([("evt-1", USER_ID)], [])


async def test_a_failure_is_retried_until_it_succeeds_within_the_attempts() -> None:
    h = handler(failures=2, max_attempts=3)

    await h.handler.handle(HandMadeRecord())

    assert (len(h.deleter.calls), h.dead_letters.sent) == (3, [])
    assert h.health.reports == [False, False]


async def test_a_message_still_failing_after_its_attempts_is_dead_lettered_with_the_error() -> None:
    h = handler(failures=10, max_attempts=3)
    record = HandMadeRecord()

    await h.handler.handle(record)

    assert len(h.deleter.calls) == 3
    [(sent, error)] = h.dead_letters.sent
    assert sent is record
    assert error == "ConnectionError: database unreachable (after 3 attempts)"


@pytest.mark.parametrize(
    "record",
    [
        HandMadeRecord(value=b"{not json"),
        HandMadeRecord(value=None),
        HandMadeRecord(headers=CE[1:]),
        HandMadeRecord(headers=()),
    ],
    ids=["not json", "no value", "no specversion", "no headers"],
)
async def test_a_message_that_does_not_decode_is_dead_lettered_at_once(
    record: HandMadeRecord,
) -> None:
    h = handler()

    await h.handler.handle(record)

    assert h.deleter.calls == []
    [(sent, error)] = h.dead_letters.sent
    assert sent is record
    assert error.startswith("MalformedMessageError: ")


async def test_a_type_we_do_not_consume_is_skipped() -> None:
    h = handler()
    renamed = (*CE[:3], ("ce_type", b"users.v1.UserRenamed"))

    await h.handler.handle(HandMadeRecord(headers=renamed, value=b"anything"))

    assert (h.deleter.calls, h.dead_letters.sent) == ([], [])


def test_a_dead_letter_is_the_original_message_plus_where_it_came_from_and_why() -> None:
    record = HandMadeRecord(key=None)

    letter = dead_letter(record, "PostNotFound: post x not found")

    assert (letter.key, letter.value) == (None, VALUE)
    assert letter.headers == (
        *CE,
        ("dlq_original_topic", b"users.events.v1"),
        ("dlq_original_partition", b"2"),
        ("dlq_original_offset", b"41"),
        ("dlq_error", b"PostNotFound: post x not found"),
    )


def test_a_dead_letters_error_header_is_bounded() -> None:
    letter = dead_letter(HandMadeRecord(), "x" * 100_000)

    assert len(dict(letter.headers)["dlq_error"]) == 2000


EVENT = ConsumedEvent("evt-1", "users-service", "users.v1.UserDeleted", None)


def test_request_ids_are_the_same_for_every_delivery_and_differ_per_post_and_message() -> None:
    post, other_post = uuid4(), uuid4()
    again = ConsumedEvent("evt-1", "users-service", "users.v1.UserDeleted", None)
    later = ConsumedEvent("evt-2", "users-service", "users.v1.UserDeleted", None)

    assert request_id(EVENT, post) == request_id(again, post)
    assert (
        len({request_id(EVENT, post), request_id(EVENT, other_post), request_id(later, post)}) == 3
    )


@dataclass
class FakeIndex:
    posts: dict[UUID, list[UUID]]

    async def post_ids(self, author_id: UUID) -> list[UUID]:
        return self.posts.get(author_id, [])


@dataclass
class FakeCommands:
    executed: list[tuple[Command, CommandContext]] = field(default_factory=list)

    async def execute(self, command: Command, ctx: CommandContext) -> CommandResult:
        self.executed.append((command, ctx))
        return CommandResult(command.post_id, 2, 10)


async def test_every_post_of_the_user_is_deleted_as_the_system_actor() -> None:
    posts = [uuid4(), uuid4()]
    commands = FakeCommands()
    deleter = UserPostsDeleter(FakeIndex({USER_ID: posts, uuid4(): [uuid4()]}), commands)
    user = UserDeleted.model_validate({"user_id": USER_ID, "deleted_at": "2026-11-27T08:00:00Z"})

    assert await deleter.delete_posts_of(EVENT, user) == 2

    assert [command for command, _ in commands.executed] == [DeletePost(p) for p in posts]
    for (_, ctx), post in zip(commands.executed, posts, strict=True):
        assert (ctx.actor, ctx.caller, ctx.expected_version) == (SYSTEM_ACTOR, CALLER, None)
        assert (ctx.request_id, ctx.fingerprint) == (request_id(EVENT, post), fingerprint(post))
