"""App-wide plumbing: database, configuration, errors, limits, metrics, caches, HTTP server."""
