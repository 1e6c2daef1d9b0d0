"""PostgreSQL adapters of the read side."""
