"""Parked sockets' reads run in greenlets kept for the next read, each read in a fresh context."""

from __future__ import annotations

import contextvars

import gevent
from gevent.event import Event
from greenlet import getcurrent

from blog.live import read_workers

MARK: contextvars.ContextVar[str] = contextvars.ContextVar("read_workers_test_mark")


def from_the_loop(task) -> None:
    """Hand task to run_now as the event loop does when a parked socket is readable."""
    gevent.get_hub().loop.run_callback(read_workers.run_now, task)


def settle() -> None:
    """Let the event loop run what was handed to it."""
    gevent.sleep(0)
    gevent.sleep(0)


def test_reads_one_after_another_share_one_greenlet_and_no_context():
    seen = []

    def read(n: int):
        def task():
            seen.append((n, getcurrent(), MARK.get(None)))
            MARK.set(f"read {n}")

        return task

    for n in range(3):
        from_the_loop(read(n))
        settle()
    assert [mark for _, _, mark in seen] == [None, None, None]
    assert len({id(worker) for _, worker, _ in seen}) == 1


def test_a_read_that_waits_holds_its_greenlet_while_others_run():
    release, order = Event(), []

    def waiting():
        order.append(("waiting starts", getcurrent()))
        release.wait()
        order.append(("waiting ends", getcurrent()))

    def quick():
        order.append(("quick", getcurrent()))

    from_the_loop(waiting)
    settle()
    from_the_loop(quick)
    settle()
    release.set()
    settle()
    assert [what for what, _ in order] == ["waiting starts", "quick", "waiting ends"]
    assert order[0][1] is order[2][1] and order[1][1] is not order[0][1]
    # Both are kept, and the next read takes one of them.
    idle = list(getattr(gevent.get_hub(), read_workers.IDLE))
    assert order[0][1] in idle and order[1][1] in idle
    from_the_loop(quick)
    settle()
    assert order[-1][1] in (order[0][1], order[1][1])


def test_no_more_than_max_idle_greenlets_are_kept():
    release = Event()

    def waiting():
        release.wait()

    for _ in range(read_workers.MAX_IDLE + 5):
        from_the_loop(waiting)
    settle()
    release.set()
    settle()
    assert len(getattr(gevent.get_hub(), read_workers.IDLE)) == read_workers.MAX_IDLE
