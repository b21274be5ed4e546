"""Wakes a process's webhook loops the moment a change commits in it, not at their next look.

While there is nothing to send, one loop of each process (the lookout) looks for due
deliveries every WEBHOOK_POLL_S, for changes other processes committed and retries
falling due; the other loops rest until the bell rings. It rings when a change of a
blog that has a webhook stream commits in this process, and when a loop's pass sent
something (more may be due, and one slow receiver must not hold up the rest). Every
loop used to look every second: four loops made eight queries a second in each idle
server process, and a change waited up to a second for its webhook.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from flask import Flask

from blog.actions.stream import on_commit

# A resting loop looks anyway after this many poll intervals: a missed ring costs a delay.
RESTING_FACTOR = 30
_KEY = "showfloor_webhook_doorbell"


class Doorbell:
    """One process's bell: any number of loops wait on it, and one ring wakes them all."""

    def __init__(self) -> None:
        # gevent patches threading in the server: the loops are greenlets there.
        self._bell = threading.Event()
        # The blogs with a webhook stream, as the lookout last read them; None until then.
        # A change of any other blog rings nothing: a pass for it would find nothing to
        # send and only take the event loop's time from the readers.
        self.watched: frozenset[int] | None = None

    def watch(self, blog_ids: Iterable[int]) -> None:
        """Note the blogs whose changes webhooks follow (a new one is seen at the next look)."""
        self.watched = frozenset(blog_ids)

    def wants(self, blog_ids: Iterable[int]) -> bool:
        """True when a change of one of these blogs may have a webhook to send."""
        blog_ids = list(blog_ids)
        watched = self.watched
        if watched is None:
            return bool(blog_ids)
        return any(blog_id in watched for blog_id in blog_ids)

    def ring(self) -> None:
        """Wake the waiting loops; a loop not waiting yet will not wait at its next rest."""
        self._bell.set()

    def rest(self, seconds: float) -> None:
        """Wait for a ring or for seconds, whichever comes first."""
        self._bell.wait(seconds)
        # Cleared after waking and before the pass: a change that rings from now
        # on either is seen by the pass or leaves the bell set for the next rest.
        self._bell.clear()

    def ring_for(self, blog_ids: Iterable[int]) -> None:
        """Changes of these blogs committed: ring if webhooks may follow one of them."""
        if self.wants(blog_ids):
            self.ring()


def of(app: Flask) -> Doorbell:
    """The app's doorbell, made by its first loop, which every commit of blog changes rings."""
    bell = app.extensions.get(_KEY)
    if bell is None:
        bell = app.extensions[_KEY] = Doorbell()
        on_commit(app, bell.ring_for)
    return bell
