"""blog.content."""
