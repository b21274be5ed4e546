"""Connections are served by greenlets kept for the next connection, each in a fresh context."""

from __future__ import annotations

import contextvars

import gevent
import pytest
from gevent.event import Event
from greenlet import getcurrent

from blog.platform.connection_workers import ConnectionWorkers

MARK: contextvars.ContextVar[str] = contextvars.ContextVar("connection_workers_test_mark")


def settle() -> None:
    """Let the event loop start and run what was spawned."""
    gevent.sleep(0)
    gevent.sleep(0)


def test_connections_one_after_another_share_one_greenlet_and_no_context():
    workers, seen = ConnectionWorkers(), []

    def serve(n: int) -> None:
        seen.append((n, getcurrent(), MARK.get(None)))
        MARK.set(f"connection {n}")

    for n in range(3):
        workers.spawn(serve, n)
        settle()
    assert [(n, mark) for n, _, mark in seen] == [(0, None), (1, None), (2, None)]
    assert len({id(worker) for _, worker, _ in seen}) == 1
    assert (len(workers), workers.idle()) == (0, 1)


def test_busy_connections_are_counted_and_each_has_its_own_greenlet():
    workers, release, running = ConnectionWorkers(), Event(), []

    def serve() -> None:
        running.append(getcurrent())
        release.wait()

    for _ in range(3):
        workers.spawn(serve)
    assert len(workers) == 3  # counted from the moment they are handed over, as the drain needs
    settle()
    assert len(workers) == 3 and len(set(running)) == 3
    release.set()
    settle()
    assert (len(workers), workers.idle()) == (0, 3)


def test_a_failing_handler_is_reported_and_its_greenlet_serves_on(capsys):
    workers, served = ConnectionWorkers(), []

    def fail() -> None:
        served.append(getcurrent())
        raise RuntimeError("handler broke")

    workers.spawn(fail)
    settle()
    workers.spawn(lambda: served.append(getcurrent()))
    settle()
    assert "handler broke" in capsys.readouterr().err
    assert served[0] is served[1]
    assert len(workers) == 0


def test_kill_ends_busy_handlers_where_they_wait_and_returns_when_they_are_gone():
    workers, forever, cleaned = ConnectionWorkers(), Event(), []

    def serve(n: int) -> None:
        try:
            forever.wait()
        finally:
            cleaned.append(n)  # a connection's own cleanup (closing its socket) still runs

    for n in range(4):
        workers.spawn(serve, n)
    settle()
    workers.kill(timeout=5)
    assert sorted(cleaned) == [0, 1, 2, 3]
    assert (len(workers), workers.idle()) == (0, 0)


def test_no_more_than_max_idle_greenlets_are_kept():
    workers, release = ConnectionWorkers(max_idle=4), Event()
    for _ in range(10):
        workers.spawn(release.wait)
    settle()
    release.set()
    settle()
    assert (len(workers), workers.idle()) == (0, 4)


@pytest.mark.parametrize("thrown", [RuntimeError("a stray timer"), gevent.GreenletExit()])
def test_what_reaches_an_idle_greenlet_ends_it_and_not_the_event_loop(thrown, capsys):
    workers, served = ConnectionWorkers(), []
    workers.spawn(lambda: served.append(getcurrent()))
    settle()
    gevent.kill(served[0], thrown)
    settle()
    assert served[0].dead and workers.idle() == 0
    # The loop runs on: the next connection gets a new greenlet.
    workers.spawn(lambda: served.append(getcurrent()))
    settle()
    assert len(served) == 2 and served[1] is not served[0]
    assert ("a stray timer" in capsys.readouterr().err) is isinstance(thrown, RuntimeError)
