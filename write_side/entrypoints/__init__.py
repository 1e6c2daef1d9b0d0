"""Entry points of the write side: the gRPC command servicer."""
