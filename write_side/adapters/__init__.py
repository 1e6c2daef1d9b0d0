"""PostgreSQL and Kafka adapters of the write side."""
