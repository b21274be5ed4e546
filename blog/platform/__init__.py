"""blog.platform."""
