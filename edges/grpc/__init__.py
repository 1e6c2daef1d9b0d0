"""The gRPC edge shared by every servicer: call context, auth, error mapping, health, server."""
