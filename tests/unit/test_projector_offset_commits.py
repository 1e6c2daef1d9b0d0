"""The projector's Kafka offset commits (informational) run while the next batch is fetched and
applied, one at a time and in order, so Kafka's offsets still only move forward."""

import asyncio

from aiokafka import TopicPartition

from projector.kafka import BackgroundOffsetCommits


class _Consumer:
    """Records commits; each waits for `release` (a slow broker)."""

    def __init__(self) -> None:
        self.started: list[dict[TopicPartition, int]] = []
        self.done: list[dict[TopicPartition, int]] = []
        self.release = asyncio.Event()

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.started.append(offsets)
        await self.release.wait()
        self.done.append(offsets)


async def test_a_commit_does_not_hold_up_the_batch_that_follows():
    consumer = _Consumer()
    commits = BackgroundOffsetCommits(consumer, "t")
    await asyncio.wait_for(commits.commit({0: 5}), 1)  # returns while the broker is slow
    await asyncio.sleep(0)
    assert consumer.started == [{TopicPartition("t", 0): 5}]
    assert consumer.done == []
    consumer.release.set()
    await commits.flush()
    assert consumer.done == [{TopicPartition("t", 0): 5}]


async def test_commits_never_overlap_so_offsets_only_move_forward():
    consumer = _Consumer()
    commits = BackgroundOffsetCommits(consumer, "t")
    await commits.commit({0: 5})
    second = asyncio.create_task(commits.commit({0: 9}))
    await asyncio.sleep(0.05)
    assert not second.done()  # waits for the first commit before sending its own
    assert len(consumer.started) == 1
    consumer.release.set()
    await second
    await commits.flush()
    assert consumer.done == [{TopicPartition("t", 0): 5}, {TopicPartition("t", 0): 9}]


async def test_leaving_cancels_a_commit_in_flight():
    consumer = _Consumer()
    commits = BackgroundOffsetCommits(consumer, "t")
    await commits.commit({0: 5})
    await asyncio.sleep(0)
    await asyncio.wait_for(commits.abandon(), 1)
    assert consumer.done == []
