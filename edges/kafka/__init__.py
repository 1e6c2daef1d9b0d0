"""Kafka at the edges: the client factory and topic waits, the record protocol both consumers
read, and the health of a consumer loop."""
