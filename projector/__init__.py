"""The projector: the events on Kafka into the read tables, exactly once in effect.

How it works (one module per step):
- `kafka`: a consumer in group PROJECTOR_GROUP_ID on the events topic, auto-commit off;
  projectors in the same group share the partitions.
- `positions`: an assigned partition is read from its checkpoint in the read database
  (`checkpoints`), not from Kafka's committed offset.
- `batch`: each polled batch is applied in ONE read-database transaction with its checkpoints:
  the shared projection lock (a rebuild pauses us with it), the partitions' checkpoint rows
  locked (fencing a partition's previous owner after a rebalance), records `decoding` turns
  into events, `read_side`'s ProjectionWriter (idempotent per post, gaps filled from the event
  store through `store`), the checkpoints moved on.
- `loop`: polls, applies, retries a failed batch until it commits, commits the offsets to
  Kafka (informational); `health` reports `projector` (never the overall status).

Why it is exactly once in effect (DESIGN.md, Guarantee 3): a record's effect and the offset
past it commit together; a redelivered event is not newer than its post's row and changes
nothing; a post's events all share a partition, and the checkpoint row lock lets one batch at a
time work on a partition; a gap is filled from the store, and a message that cannot be decoded
is replaced by the store's events. Nothing of ours is skipped: the loop retries a failed batch
forever, and halts (NOT_SERVING) on a record that is not ours rather than pass over it.
"""

from projector.config import HealthReporter, ProjectorConfig, ProjectorSettings
from projector.loop import Projector

__all__ = ["HealthReporter", "Projector", "ProjectorConfig", "ProjectorSettings"]
