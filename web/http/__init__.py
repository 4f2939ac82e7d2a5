"""The HTTP edge: one JSON error shape, request body checks, rate limits, JSON shapes of stored rows."""
