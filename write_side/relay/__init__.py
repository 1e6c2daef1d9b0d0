"""The relay: committed events from the PostgreSQL event store to Kafka, at least once.

How it works (one module per step):
- `leadership`: one active relay per topic. A session-level advisory lock on a dedicated
  connection is held for as long as a relay leads; the others stand by and retry every
  RELAY_STANDBY_RETRY_S. The same connection LISTENs for appends.
- `reader`: the next batch in commit-safe order (`event_contract.store.safe_head`), so the
  checkpoint never moves past a position whose transaction was still in flight.
- `event_contract.cloudevents`: each event becomes one CloudEvents binary-mode message, key =
  post id (the same attributes StreamEvents carries).
- `publisher`: an idempotent producer with acks=all sends the batch and waits for every ack.
- `checkpoint`: only then does `relay_checkpoints` move forward.

Why this is safe (DESIGN.md, Guarantee 2):
- Nothing is lost: the checkpoint only moves past events the broker acknowledged, and the
  reader never hands out a position before every lower one is final. A crash, a broker outage
  or a takeover republishes from the checkpoint: duplicates are possible, gaps are not.
- First occurrences are in version order: events go out in position order, and one post's
  versions have increasing positions (one post's appends are serialised by its
  (post_id, version) key). Per partition, record batches are sent one at a time, each after
  the previous one was acknowledged, so a failed batch is never overtaken by a later one of
  the same partition. Every publisher therefore writes each post's events gaplessly, in
  order, starting right after the checkpoint it read, and everything up to that checkpoint
  was on the topic before it started. Merging such streams, even those of a deposed leader
  still draining its last batch next to the new leader, can repeat events but never puts a
  post's version n+1 before the first copy of version n.
- The checkpoint only grows (GREATEST), so a deposed leader's late write cannot move it back;
  whatever any relay wrote there was acknowledged, so the value is true whoever wrote it.
  That is why the lock is about efficiency (one publisher, few duplicates), not correctness.
"""

from write_side.relay.config import HealthReporter, RelayConfig, RelaySettings
from write_side.relay.relay import Relay

__all__ = ["HealthReporter", "Relay", "RelayConfig", "RelaySettings"]
