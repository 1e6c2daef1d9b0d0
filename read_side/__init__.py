"""read_side."""
