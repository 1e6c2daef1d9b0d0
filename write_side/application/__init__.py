"""The write side's application layer: runs a command against a post's history."""
