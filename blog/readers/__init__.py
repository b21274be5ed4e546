"""blog.readers."""
