"""The JSON API at /api/v1: reads, the change cursor, token-authenticated writes, OpenAPI."""
