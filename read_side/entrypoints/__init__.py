"""Entry points of the read side: the gRPC query servicer."""
