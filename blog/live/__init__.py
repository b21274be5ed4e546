"""The live path: push and its payloads, the broadcast, websockets, the queue, socket handlers."""
