"""The webhook doorbell: no ring is lost, one ring wakes every resting loop."""

from __future__ import annotations

import threading

from blog.webhooks.doorbell import Doorbell

# Longer than any test may take: a rest that returns came from a ring, not from its timeout.
NEVER_S = 600
JOIN_S = 30


def _resting(bell: Doorbell) -> threading.Thread:
    thread = threading.Thread(target=bell.rest, args=(NEVER_S,), daemon=True)
    thread.start()
    return thread


def test_a_ring_before_a_rest_ends_that_rest_at_once():
    """A change that commits while every loop is mid-pass still gets a pass after it."""
    bell = Doorbell()
    bell.ring()
    thread = _resting(bell)
    thread.join(JOIN_S)
    assert not thread.is_alive()


def test_one_ring_wakes_every_resting_loop_and_is_then_spent():
    bell = Doorbell()
    waiting = [_resting(bell) for _ in range(3)]
    bell.ring()
    for thread in waiting:
        thread.join(JOIN_S)
        assert not thread.is_alive()
    # The ring was heard: the next rest waits for a new one.
    later = _resting(bell)
    later.join(0.05)
    assert later.is_alive()
    bell.ring()
    later.join(JOIN_S)
    assert not later.is_alive()


def test_only_changes_of_blogs_with_a_webhook_stream_ring():
    """A pass for a blog no endpoint follows would only take the event loop from readers."""
    bell = Doorbell()
    assert bell.wants([5]), "before the lookout's first look, every blog's change rings"
    assert not bell.wants([]), "a commit with no blog change (an agenda edit) rings nothing"
    bell.watch([1, 3])
    assert bell.wants([3])
    assert bell.wants([2, 1])
    assert not bell.wants([2])
    bell.watch([])
    assert not bell.wants([1])
