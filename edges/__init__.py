"""The edges that more than one side uses: the gRPC edge, Kafka clients and records, back-off,
the coalescer, consumer health, logging and hold points. Imports nothing of the sides, the event
contract or the composition root (docs/architecture.md)."""
