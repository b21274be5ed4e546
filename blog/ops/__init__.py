"""What operators poll: liveness, readiness of the database and message queue, and metrics."""
