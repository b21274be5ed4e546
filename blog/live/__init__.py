"""blog.live.handlers."""
