"""Webhooks: endpoints an editor registers, signed deliveries of the change stream, the worker."""
