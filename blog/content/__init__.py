"""What pages, the API and sockets share: rendering, photos, permissions, queries, search."""
