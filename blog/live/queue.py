"""The Redis queue between server processes: quick to resubscribe, and says when it listens."""

from __future__ import annotations

import logging
import random
import time

import socketio as socketio_lib

from blog.live.repair import DeliveryLog

logger = logging.getLogger(__name__)

# python-socketio doubles its wait after each failed resubscribe up to a
# minute, so a ten-second Redis outage left a process deaf for up to sixteen
# seconds after Redis came back. A live blog wants the pushes back at once:
# with waits of 1 then 2 s, a restart that missed the first try left readers
# up to 3 s behind; a reconnect attempt every second costs Redis nothing.
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 1.0


class ListeningRedisManager(socketio_lib.RedisManager, DeliveryLog):
    """A Redis manager that resubscribes within seconds and reports whether it is subscribed.

    DeliveryLog (a FrameOnceManager) sits below the pub/sub layer in the method
    order, so what arrives from Redis is delivered to this process's readers
    framed once, and each room's cursor sees it. Each time Redis confirms the
    subscription, on_subscribed runs: the rooms' repair (blog/live/repair.py).
    """

    name = "redis"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.subscribed = False
        # Called when another process's change arrives (forget_on_remote_changes).
        self.on_remote_change = None

    def _handle_emit(self, message):  # every emit, this process's own included
        super()._handle_emit(message)
        remote = message.get("host_id") != self.host_id
        if remote and self.on_remote_change and is_stream_change(message.get("data")):
            self.on_remote_change()

    def _redis_listen_with_retries(self):  # runs in the manager's background task
        wait_s = FIRST_RETRY_S
        while True:
            try:
                self._redis_connect()
                # Read Redis's confirmation instead of dropping it: from that
                # moment on nothing published is lost to this process, so it
                # is when to say "listening" and when to repair the rooms.
                self.pubsub.ignore_subscribe_messages = False
                self.pubsub.subscribe(self.channel)
                wait_s = FIRST_RETRY_S
                for message in self.pubsub.listen():
                    if message.get("type") == "subscribe":
                        self._now_listening()
                    else:
                        yield message
            except Exception as exc:  # any failure: log, wait, resubscribe
                logger.warning("queue listener lost (%s); resubscribing in %.1f s", exc, wait_s)
            self.subscribed = False
            # Jitter keeps a fleet of processes from reconnecting in lockstep.
            time.sleep(wait_s * random.uniform(0.75, 1.0))
            wait_s = min(wait_s * 2, MAX_RETRY_S)

    def _now_listening(self) -> None:
        self.subscribed = True
        if self.on_subscribed is not None:
            self.on_subscribed()


def is_stream_change(data) -> bool:
    """Tell whether a queued emit's arguments are a blog or hub stream change (it has a seq)."""
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "seq" in data[0]


def forget_on_remote_changes(server, forget) -> None:
    """Call forget when a change pushed by another process arrives, as this process's pushes do.

    Remembered pages (blog/platform/page_cache.py) then never outlive a change,
    a retraction above all, in any process; without a queue there is no other process.
    """
    manager = getattr(server, "manager", None)
    if isinstance(manager, ListeningRedisManager):
        manager.on_remote_change = forget


def client_manager(url: str | None, channel: str):
    """The client manager to use: Redis-backed with a queue, in-process without one."""
    if not url:
        return DeliveryLog()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"SHOWFLOOR_REDIS_URL must be a redis:// or rediss:// URL, not {url!r}")
    return ListeningRedisManager(url, channel=channel)


def start_listening(server) -> None:
    """Subscribe to the queue now instead of at the first websocket connection.

    python-socketio subscribes lazily, so a process's first readers could
    follow a blog before the subscription existed and miss what other
    processes published meanwhile; /readyz stays 503 until it is done.
    """
    if server is not None and not server.manager_initialized:
        server.manager_initialized = True
        server.manager.initialize()


def queue_listening(server) -> bool | None:
    """True when this process is subscribed to the queue, False while not, None without a queue."""
    manager = getattr(server, "manager", None)
    if not isinstance(manager, ListeningRedisManager):
        return None
    return manager.subscribed
