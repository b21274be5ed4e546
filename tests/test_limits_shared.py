"""Abuse limits across processes (one Redis, one count) and how addresses and limits are read."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import uuid

import pytest
from conftest import PASSWORD, REDIS_ENV, IsolatedClient, dispose_app, need_service
from limits_support import Clock, attempt_login, set_limits
from procs import free_port

from blog import create_app
from blog.models import Role
from blog.platform.config import parse_limits
from blog.platform.limits import RedisCounter, client_ip


def test_client_address_reads_only_what_trusted_proxies_appended():
    environ = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 2.2.2.2, 3.3.3.3"}
    assert client_ip(environ, 0) == "10.0.0.5"
    assert client_ip(environ, 1) == "3.3.3.3"
    assert client_ip(environ, 2) == "2.2.2.2"
    assert client_ip({"REMOTE_ADDR": "10.0.0.5"}, 1) == "10.0.0.5"  # reached us directly
    # One IPv6 host holds a whole /64: counting single addresses would let it rotate.
    one = client_ip({"REMOTE_ADDR": "2001:db8:1:2::1"}, 0)
    assert one == client_ip({"REMOTE_ADDR": "2001:db8:1:2:ffff::9"}, 0) == "2001:db8:1:2::/64"
    assert client_ip({"REMOTE_ADDR": "::ffff:192.0.2.7"}, 0) == "192.0.2.7"


@pytest.mark.parametrize(
    "forwarded",
    ["192.0.2.7", "0.0.0.0", "01.2.3.4", "1.2.3", "256.1.1.1", "1.2.3.04", "1.2.3.4 x", "evil"],
)
def test_an_ipv4_address_counts_as_written_and_anything_else_as_its_text(forwarded):
    """Only the four-decimal form is an address; others are counted by their (cut) text."""
    try:
        expected = str(ipaddress.IPv4Address(forwarded))
    except ValueError:
        expected = forwarded[:64]
    environ = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_ip(environ, 1) == expected


def test_limits_are_configured_by_name_and_mistakes_are_refused():
    limits = parse_limits("post_account=120/60, connect_ip=5000/10")
    assert limits["post_account"] == (120, 60) and limits["connect_ip"] == (5000, 10)
    assert limits["login_account"] == parse_limits("")["login_account"]
    for bad in ("posts=1/60", "post_account=lots/60", "post_account=5/0", "post_account=5"):
        with pytest.raises(ValueError, match="SHOWFLOOR_LIMITS"):
            parse_limits(bad)


@pytest.fixture
def redis_apps(database_url, tmp_path):
    """Two apps, as two server processes, counting in the test Redis under a prefix of their own."""
    url = need_service(REDIS_ENV, "Redis")
    prefix = f"showfloor-test-{uuid.uuid4().hex[:12]}:limits"
    apps = [create_app(_redis_config(database_url, url, prefix)) for _ in range(2)]
    for app in apps:
        app.instance_path = str(tmp_path)
        app.config["CLOCK"] = Clock()
    yield apps
    redis = apps[0].extensions["showfloor_limiter"].shared.client
    ours = list(redis.scan_iter(f"{prefix}:*"))
    if ours:
        redis.delete(*ours)
    for app in apps:
        app.extensions["showfloor_limiter"].close()
        dispose_app(app)


def _redis_config(database_url: str, redis_url: str | None, prefix: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "ASYNC_MODE": "threading",
        "MESSAGE_QUEUE_URL": None,
        "LIMITS_REDIS_URL": redis_url,
        "LIMITS_KEY_PREFIX": prefix,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SCHEDULER_INTERVAL": None,
        "READERS_COUNT": False,
    }


@pytest.mark.services
def test_two_processes_on_one_redis_share_one_count(app, redis_apps, make_user):
    user = make_user(Role.REPORTER)
    for limited in redis_apps:
        set_limits(limited, login_account=(3, 900))
        limited.test_client_class = IsolatedClient
    first, second = (limited.test_client() for limited in redis_apps)
    assert [attempt_login(c, user.email).status_code for c in (first, second, first)] == [401] * 3
    assert attempt_login(second, user.email, PASSWORD).status_code == 429
    redis = redis_apps[0].extensions["showfloor_limiter"].shared.client
    prefix = redis_apps[0].config["LIMITS_KEY_PREFIX"]
    assert len(list(redis.scan_iter(f"{prefix}:login_account:*"))) == 1
    for limited in redis_apps:
        limited.config["CLOCK"].move(900)
    assert attempt_login(first, user.email, PASSWORD).status_code == 302


def test_a_dead_redis_leaves_the_limits_counting_in_memory(app, database_url, make_user):
    user = make_user(Role.REPORTER)
    dead = f"redis://127.0.0.1:{free_port()}/0"
    limited = create_app(_redis_config(database_url, dead, "showfloor-test-dead:limits"))
    try:
        set_limits(limited, login_account=(2, 900))
        limited.test_client_class = IsolatedClient
        client = limited.test_client()
        assert [attempt_login(client, user.email).status_code for _ in range(2)] == [401] * 2
        assert attempt_login(client, user.email, PASSWORD).status_code == 429
    finally:
        limited.extensions["showfloor_limiter"].close()
        dispose_app(limited)


class ClosingListener:
    """A TCP port that accepts each connection and closes it at once, counting them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed by stop()
                return
            self.accepted += 1
            conn.close()

    def stop(self) -> None:
        self.sock.close()


def test_a_failing_redis_is_tried_once_then_left_alone_for_a_while():
    # A dead Redis costs one failed connection per REDIS_RETRY_S, not one per
    # request: in between, the limiter counts in memory without trying it.
    listener = ClosingListener()
    counter = RedisCounter(f"redis://127.0.0.1:{listener.port}/0", "showfloor-test-failing")
    try:
        now = time.time()
        assert [counter.incr("k", now + 60, now) for _ in range(3)] == [1, 2, 3]
        assert listener.accepted == 1
    finally:
        counter.close()
        listener.stop()
