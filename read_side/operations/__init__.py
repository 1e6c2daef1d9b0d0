"""Operations on the read model as a whole, run from the command line (`post-service
projections …`): rebuild it from the event store, verify it against the store, report how far
each part has got. The composition root builds their engines and Kafka clients."""
