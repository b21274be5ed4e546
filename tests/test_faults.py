"""Faults survived by real server processes sharing PostgreSQL and a Redis message queue.

Readers here behave like static/js/live.js: they follow a blog since their seq, apply each
change once in seq order, re-send `follow` periodically (the head-seq check; the page does it
every 30 s, these readers faster) and, when their server goes away, connect to another.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import time
import uuid

import procs
import pytest
import socketio
import websocket
from conftest import (
    POSTGRES_ENV,
    REDIS_ENV,
    create_postgres_database,
    dispose_app,
    drop_postgres_database,
    need_service,
)
from sqlalchemy import create_engine, func, select, text

from blog import actions, create_app
from blog.content import queries
from blog.live.payloads import CHANGE_TYPES
from blog.models import BlogStatus, Entry, Role
from blog.platform import db
from blog.platform.migrate import upgrade

pytestmark = [pytest.mark.faults, pytest.mark.services, pytest.mark.timeout(240)]

EDITOR_EMAIL = "desk@faults.test"
EVENT_SLUG = "faults"
RESYNC_S = 1.0
# Short pings so that a silent reader is found out in seconds, not 40; long enough
# that a busy CI machine answering a pong late does not drop healthy readers.
PING_INTERVAL_S, PING_TIMEOUT_S = 2, 3
CONVERGE_S = 30  # what the issue allows after Redis returns


# ---- data set up in this process, straight on the database ----------------


@contextlib.contextmanager
def app_on(database_url: str):
    """An app context on database_url (no queue: nothing here has readers)."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "ASYNC_MODE": "threading",
            "MESSAGE_QUEUE_URL": None,
            "TESTING": True,
            "SECRET_KEY": "fault-tests",
        }
    )
    try:
        with app.app_context():
            yield app
    finally:
        db.session.remove()
        dispose_app(app)


def seed(database_url: str) -> str:
    """Migrate, create an editor, an event and an API token; return the token."""
    upgrade(database_url)
    with app_on(database_url):
        editor = actions.create_user(EDITOR_EMAIL, "Desk", "correct horse battery", Role.EDITOR)
        actions.create_event(EVENT_SLUG, "Fault Show", *_dates(), "Europe/Madrid")
        return actions.create_api_token(editor, "faults")


def _dates():
    from datetime import date

    return date(2027, 3, 1), date(2027, 3, 4)


def new_live_blog(database_url: str) -> int:
    """A new live blog in the seeded event; its seq 1 is the 'went live' change."""
    with app_on(database_url):
        event = queries.event_by_slug(EVENT_SLUG)
        blog = actions.create_blog(event, f"b-{uuid.uuid4().hex[:8]}", "Faults")
        actions.set_blog_status(queries.user_by_email(EDITOR_EMAIL), blog.id, BlogStatus.LIVE)
        return blog.id


def entries_by_key(database_url: str, blog_id: int) -> dict[str, int]:
    """How many entries each idempotency key made in a blog."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stmt = (
                select(Entry.idempotency_key, func.count())
                .where(Entry.blog_id == blog_id)
                .group_by(Entry.idempotency_key)
            )
            return dict(conn.execute(stmt).all())
    finally:
        engine.dispose()


# ---- the clients --------------------------------------------------------


def post_entry(base_url: str, token: str, blog_id: int, key: str | None = None):
    """Post one entry through the JSON API; return the response."""
    body = {"source": f"Update {key}", "idempotency_key": key or uuid.uuid4().hex}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    return procs.http("POST", f"{base_url}/api/v1/blogs/{blog_id}/entries", body, headers)


def all_changes(base_url: str, blog_id: int) -> list[tuple]:
    """Every change of a blog from the HTTP cursor, as (seq, entry_id, type)."""
    out, since = [], 0
    while True:
        body = procs.http("GET", f"{base_url}/api/v1/blogs/{blog_id}/changes?since={since}").json()
        out += [(c["seq"], c.get("entry_id"), c["type"]) for c in body["changes"]]
        if not body["more"]:
            return out
        since = out[-1][0]


class Reader:
    """A page-like reader in a thread: follow since seq, apply in order, re-follow, fail over."""

    def __init__(self, urls: list[str], blog_id: int, resync: float | None = RESYNC_S):
        self.urls, self.blog_id, self.resync = urls, blog_id, resync
        self.seq = 0
        self.applied: list[tuple] = []
        self.url: str | None = None
        self.sessions = 0
        self._pending: dict[int, dict] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._followed = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait_following(self, timeout: float = 15) -> Reader:
        """Wait until the first follow was acknowledged."""
        procs.wait_until(self._followed.is_set, timeout, f"reader following on {self.urls[0]}")
        return self

    def stop(self) -> None:
        """Ask the reader to disconnect and stop; close() waits for it."""
        self._stop.set()

    def close(self) -> None:
        """Stop the reader and wait until its connection is closed."""
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._session(self.urls[attempt % len(self.urls)])
            attempt += 1

    def _session(self, url: str) -> None:
        sio = socketio.Client(reconnection=False)
        gone = threading.Event()
        sio.on("disconnect", lambda *_: gone.set())
        for name in CHANGE_TYPES:
            sio.on(name, self._receive)
        try:
            sio.connect(url, transports=["websocket"], wait_timeout=5)
        except Exception:
            self._stop.wait(0.2)  # retry pacing, like the page's backoff
            return
        self.url, self.sessions = url, self.sessions + 1
        try:
            self._follow_until_gone(sio, gone)
        except Exception:
            pass  # the server went away mid-call: the next session catches up
        finally:
            self.url = None
            sio.disconnect()

    def _follow_until_gone(self, sio, gone: threading.Event) -> None:
        due = 0.0
        while not self._stop.is_set() and not gone.is_set():
            if due is not None and time.monotonic() >= due:
                ack = sio.call("follow", {"blog_id": self.blog_id, "since": self.seq}, timeout=5)
                assert ack and ack["ok"], ack
                self._followed.set()
                due = time.monotonic() + self.resync if self.resync else None
            gone.wait(0.05)

    def _receive(self, msg: dict) -> None:
        with self._lock:
            if msg.get("blog_id") != self.blog_id or msg["seq"] <= self.seq:
                return  # an old seq: replay overlapping live delivery
            self._pending[msg["seq"]] = msg
            while self.seq + 1 in self._pending:
                change = self._pending.pop(self.seq + 1)
                self.applied.append((change["seq"], change.get("entry_id"), change["type"]))
                self.seq = change["seq"]


class Poster:
    """A reporter posting entries in a thread until stopped; each post retried with its key."""

    def __init__(self, base_url: str, token: str, blog_id: int, pause: float = 0.05):
        self.base_url, self.token, self.blog_id, self.pause = base_url, token, blog_id, pause
        self.created: list[int] = []
        self.failures: list[str] = []
        # (started, seconds) of every post that got an answer.
        self.timings: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def wait_posted(self, count: int, timeout: float = 30) -> None:
        """Wait until count entries were created in all."""
        procs.wait_until(lambda: len(self.created) >= count, timeout, f"{count} posts")

    def slowest_since(self, since: float) -> float:
        """The longest a post started at or after since (a monotonic time) took."""
        return max((took for started, took in self.timings if started >= since), default=0.0)

    def stop(self) -> None:
        """Finish the post in flight and stop."""
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                reply = post_entry(self.base_url, self.token, self.blog_id)
            except OSError as exc:
                self.failures.append(repr(exc))
                continue
            self.timings.append((started, time.monotonic() - started))
            if reply.status == 201:
                self.created.append(reply.json()["id"])
            else:
                self.failures.append(f"{reply.status}: {reply.text[:200]}")
            self._stop.wait(self.pause)  # pacing: a reporter, not a load test


def head_seq(base_url: str, blog_id: int) -> int:
    """The blog's last seq as the API reports it."""
    return procs.http("GET", f"{base_url}/api/v1/blogs/{blog_id}").json()["last_seq"]


def wait_converged(readers: list[Reader], base_url: str, blog_id: int, timeout: float) -> float:
    """Wait until every reader applied every change; return how long it took."""
    started = time.monotonic()
    last = head_seq(base_url, blog_id)
    procs.wait_until(
        lambda: all(r.seq == last for r in readers),
        timeout,
        f"readers at seq {last} (they are at {[(r.seq, r.url, r.sessions) for r in readers]})",
    )
    return time.monotonic() - started


def assert_exactly_once(readers: list[Reader], base_url: str, blog_id: int) -> None:
    """Every reader applied exactly the blog's change stream: nothing missed, nothing twice."""
    stream = all_changes(base_url, blog_id)
    assert [c[0] for c in stream] == list(range(1, len(stream) + 1))
    for reader in readers:
        assert reader.applied == stream


def metric(base_url: str, name: str, **labels) -> float:
    """One sample of a server's /metrics, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{name}(?:\{{{re.escape(wanted)}\}})? (\S+)$" if wanted else rf"^{name} (\S+)$"
    match = re.search(pattern, procs.http("GET", base_url + "/metrics").text, re.M)
    return float(match.group(1)) if match else 0.0


# ---- clusters -------------------------------------------------------------


class Cluster:
    """Server processes on one database and one Redis, with the data to post."""

    def __init__(
        self, database_url: str, redis_url: str | None, count: int, log_dir, extra_env=None
    ):
        self.database_url = database_url
        self.token = seed(database_url)
        env = {
            "SHOWFLOOR_DATABASE_URL": database_url,
            "SHOWFLOOR_REDIS_URL": redis_url or "",
            "SHOWFLOOR_REDIS_CHANNEL": f"showfloor-test-{uuid.uuid4().hex[:8]}",
            "SHOWFLOOR_ASYNC_MODE": "gevent",
            "SHOWFLOOR_SECRET_KEY": "fault-tests",
            "SHOWFLOOR_PING_INTERVAL": str(PING_INTERVAL_S),
            "SHOWFLOOR_PING_TIMEOUT": str(PING_TIMEOUT_S),
            # The poster sends an entry every 50 ms from one account and address,
            # far past a reporter's pace; these scenarios are about faults, not limits.
            "SHOWFLOOR_LIMITS": "post_account=100000/60,post_ip=100000/60",
            **(extra_env or {}),
        }
        self.servers = [procs.Server(env, log_dir, f"server{n + 1}") for n in range(count)]
        self.ensure_running()

    @property
    def urls(self) -> list[str]:
        """Base URLs of the servers, process 1 first."""
        return [s.url for s in self.servers]

    def ensure_running(self) -> None:
        """Start any server that is not running and wait until all are ready."""
        for server in self.servers:
            if not server.alive():
                server.start()
        for server in self.servers:
            server.wait_healthy()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until every server answers /readyz: its queue listener is subscribed."""
        for server in self.servers:
            server.wait_ready()

    def stop(self) -> None:
        """Stop every server."""
        for server in self.servers:
            server.stop()


@contextlib.contextmanager
def fresh_database():
    """A new database on the shared PostgreSQL server, dropped afterwards."""
    server_url = need_service(POSTGRES_ENV, "PostgreSQL")
    url = create_postgres_database(server_url)
    try:
        yield url
    finally:
        drop_postgres_database(server_url, url)


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory):
    """Three processes on the shared Redis and a fresh database on the shared PostgreSQL."""
    redis_url = need_service(REDIS_ENV, "Redis")
    with fresh_database() as url:
        cluster = Cluster(url, redis_url, 3, tmp_path_factory.mktemp("shared-logs"))
        yield cluster
        cluster.stop()


@pytest.fixture
def cluster(shared_cluster):
    """The shared cluster with all three processes up (an earlier test may have killed one)."""
    shared_cluster.ensure_running()
    return shared_cluster


@pytest.fixture(scope="module")
def redis_cluster(private_redis, tmp_path_factory):
    """Three processes on the private Redis."""
    with fresh_database() as url:
        cluster = Cluster(url, private_redis.url, 3, tmp_path_factory.mktemp("redis-logs"))
        yield cluster
        cluster.stop()


@pytest.fixture
def readers():
    """Collects readers and closes them at the end."""
    made: list[Reader] = []

    def make(*args, **kwargs) -> Reader:
        made.append(Reader(*args, **kwargs))
        return made[-1]

    yield make
    for reader in made:  # all at once: each disconnect takes a moment
        reader.stop()
    for reader in made:
        reader.close()


# ---- the faults -----------------------------------------------------------


def test_post_to_one_process_reaches_readers_on_the_others(cluster, readers):
    blog_id = new_live_blog(cluster.database_url)
    p1, p2, p3 = cluster.urls
    # No periodic re-follow: only live delivery through Redis can bring the entries.
    on_two, on_three = readers([p2], blog_id, resync=None), readers([p3], blog_id, resync=None)
    on_two.wait_following(), on_three.wait_following()
    posted = [post_entry(p1, cluster.token, blog_id).json()["id"] for _ in range(3)]
    wait_converged([on_two, on_three], p1, blog_id, timeout=10)
    for reader in (on_two, on_three):
        assert [e for _, e, kind in reader.applied if kind == "entry_published"] == posted
    assert_exactly_once([on_two, on_three], p1, blog_id)
    assert metric(p2, "showfloor_readers", blog_id=blog_id) == 1
    assert metric(p1, "showfloor_changes_published_total", type="entry_published") >= 3


def test_kill_9_of_a_process_holding_readers(cluster, readers):
    blog_id = new_live_blog(cluster.database_url)
    p1, p2, p3 = cluster.urls
    victims = [readers([p2, p3], blog_id).wait_following() for _ in range(3)]
    poster = Poster(p1, cluster.token, blog_id)
    try:
        procs.wait_until(lambda: all(r.seq >= 6 for r in victims), 20, "entries before the kill")
        cluster.servers[1].kill()
        killed_at = time.monotonic()
        procs.wait_until(lambda: all(r.url == p3 for r in victims), 20, "failover to process 3")
        failover_s = time.monotonic() - killed_at
        poster.wait_posted(len(poster.created) + 10)
    finally:
        poster.stop()
    catch_up_s = wait_converged(victims, p1, blog_id, timeout=20)
    assert poster.failures == []
    assert_exactly_once(victims, p1, blog_id)
    assert all(r.sessions == 2 for r in victims)
    print(f"kill -9: readers on process 3 after {failover_s:.2f} s, caught up {catch_up_s:.2f} s")


def test_redis_down_for_ten_seconds(redis_cluster, private_redis, readers):
    cluster = redis_cluster
    blog_id = new_live_blog(cluster.database_url)
    p1, p2, p3 = cluster.urls
    followers = [readers([p2], blog_id).wait_following(), readers([p3], blog_id).wait_following()]
    poster = Poster(p1, cluster.token, blog_id, pause=0.2)
    try:
        poster.wait_posted(3)
        private_redis.stop()
        down_at = time.monotonic()
        assert procs.http("GET", p1 + "/readyz").status == 503
        # The outage lasts ten seconds of posting: its length is the scenario, not a wait.
        procs.wait_until(lambda: time.monotonic() - down_at >= 10, 15, "ten seconds of outage")
        posted_in_outage = len(poster.created)
        private_redis.start()
        up_at = time.monotonic()
        poster.wait_posted(posted_in_outage + 3)
    finally:
        poster.stop()
    converge_s = wait_converged(followers, p1, blog_id, timeout=CONVERGE_S)
    assert poster.failures == []
    # From the outage on: the first posts of a fresh process (its render
    # worker starting) are slower, whatever Redis does.
    slowest = poster.slowest_since(down_at)
    assert slowest < 2, f"a post took {slowest:.2f} s while Redis was down"
    assert_exactly_once(followers, p1, blog_id)
    # Every process, not just the one posting, must have resubscribed.
    cluster.wait_ready()
    print(
        f"Redis down {up_at - down_at:.1f} s: {len(poster.created)} posts, none failed, "
        f"slowest {slowest * 1000:.0f} ms; readers converged {converge_s:.2f} s "
        "after the last post"
    )


# Flushing Redis and cutting its subscribers: tests/test_queue_repair.py measures how
# soon readers on a process that lost its subscription have what the queue dropped.


# ---- PostgreSQL restarts --------------------------------------------------


@pytest.fixture(scope="module")
def private_postgres():
    """A PostgreSQL cluster of our own, free to be stopped and started."""
    need_service(POSTGRES_ENV, "PostgreSQL")
    bindir = procs.postgres_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL's initdb and pg_ctl are needed (set SHOWFLOOR_TEST_PG_BINDIR)")
    cluster = procs.PostgresCluster(bindir).init()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def pg_server(private_postgres, tmp_path_factory):
    """One server process on the private PostgreSQL (no queue: one process is enough)."""
    url = create_postgres_database(private_postgres.url)
    cluster = Cluster(url, None, 1, tmp_path_factory.mktemp("pg-logs"))
    yield cluster
    cluster.stop()


def _post_until_created(base_url: str, token: str, blog_id: int, key: str, seen: list) -> float:
    """Post with one key until it lands; record each outage answer; return when it landed."""
    while True:
        try:
            reply = post_entry(base_url, token, blog_id, key)
        except OSError as exc:
            raise AssertionError(f"the server stopped answering: {exc!r}") from exc
        if reply.status in (200, 201):
            return time.monotonic()
        seen.append((reply.status, reply.headers.get("Retry-After"), reply.text))
        time.sleep(0.1)  # a client's retry pacing, not synchronisation


def test_postgres_restart_during_posting(private_postgres, pg_server):
    base = pg_server.urls[0]
    pid = pg_server.servers[0].proc.pid
    blog_id = new_live_blog(pg_server.database_url)
    keys = [f"restart-{n:03d}-{uuid.uuid4().hex[:8]}" for n in range(9)]
    outage: list = []
    for key in keys[:3]:
        _post_until_created(base, pg_server.token, blog_id, key, outage)
    private_postgres.stop()
    # Post into the outage until the server has refused a few times.
    refusals = [post_entry(base, pg_server.token, blog_id, keys[3]) for _ in range(3)]
    assert procs.http("GET", base + "/readyz").status == 503
    private_postgres.start()
    up_at = time.monotonic()
    landed_at = _post_until_created(base, pg_server.token, blog_id, keys[3], outage)
    for key in keys:  # the first four again (retries), then new ones
        _post_until_created(base, pg_server.token, blog_id, key, outage)
    assert [r.status for r in refusals] == [503, 503, 503]
    for reply in refusals:
        assert reply.headers.get("Retry-After") and "error" in reply.json()
        assert "Traceback" not in reply.text
    assert all(status == 503 and retry for status, retry, _ in outage), outage
    assert entries_by_key(pg_server.database_url, blog_id) == {k: 1 for k in keys}
    assert pg_server.servers[0].alive() and pg_server.servers[0].proc.pid == pid
    assert procs.http("GET", base + "/readyz").status == 200
    print(f"PostgreSQL back: first post landed {landed_at - up_at:.2f} s after it accepted")


def test_startup_refuses_fsync_off(private_postgres, pg_server):
    admin = create_engine(private_postgres.url, isolation_level="AUTOCOMMIT")
    env = {**pg_server.servers[0].env, "SHOWFLOOR_PORT": str(procs.free_port())}
    try:
        with admin.connect() as conn:
            conn.execute(text("ALTER SYSTEM SET fsync = off"))
            conn.execute(text("SELECT pg_reload_conf()"))
        procs.wait_until(lambda: _setting(admin, "fsync") == "off", 10, "fsync off")
        done = subprocess.run(
            [sys.executable, "app.py"], cwd=procs.ROOT, env=env, capture_output=True, text=True
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text("ALTER SYSTEM RESET fsync"))
            conn.execute(text("SELECT pg_reload_conf()"))
        admin.dispose()
    assert done.returncode != 0
    assert "fsync=off" in done.stderr and "Traceback" not in done.stderr


def _setting(engine, name: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text(f"SHOW {name}")).scalar_one()


# ---- half-open readers ----------------------------------------------------


def test_half_open_reader_is_dropped_within_the_ping_timeout(cluster):
    blog_id = new_live_blog(cluster.database_url)
    p1 = cluster.urls[0]
    sockets_before = metric(p1, "showfloor_sockets")
    ws = websocket.create_connection(
        p1.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=5
    )
    try:
        assert ws.recv().startswith("0")  # engine.io open
        ws.send("40")
        assert ws.recv().startswith("40")  # joined the namespace
        ws.send(f'421["follow",{{"blog_id":{blog_id},"since":0}}]')
        procs.wait_until(
            lambda: metric(p1, "showfloor_readers", blog_id=blog_id) == 1, 5, "reader counted"
        )
        # From here the client neither reads nor answers pings, and sends no FIN.
        silent_at = time.monotonic()
        limit = PING_INTERVAL_S + PING_TIMEOUT_S + 4  # slack for a busy machine
        procs.wait_until(
            lambda: metric(p1, "showfloor_readers", blog_id=blog_id) == 0, limit, "reader dropped"
        )
        dropped_s = time.monotonic() - silent_at
        assert metric(p1, "showfloor_sockets") == sockets_before
    finally:
        ws.shutdown()  # no closing handshake: the server already gave up on it
    print(f"half-open reader dropped {dropped_s:.2f} s after it went silent")


def test_a_retraction_clears_remembered_pages_in_every_process(tmp_path):
    redis_url = need_service(REDIS_ENV, "Redis")
    # Pages remembered for a minute: only the change arriving through Redis can clear them.
    window = {"SHOWFLOOR_PAGE_CACHE_WINDOW_S": "60"}
    with fresh_database() as url:
        cluster = Cluster(url, redis_url, 2, tmp_path, extra_env=window)
        try:
            p1, p2 = cluster.urls
            blog_id = new_live_blog(url)
            slug = procs.http("GET", f"{p1}/api/v1/blogs/{blog_id}").json()["slug"]
            page = f"{p2}/e/{EVENT_SLUG}/{slug}/"
            entry_id = post_entry(p1, cluster.token, blog_id, key="Sunsetpriceleak").json()["id"]
            # The second process renders the page with the entry and remembers it.
            procs.wait_until(
                lambda: "Sunsetpriceleak" in procs.http("GET", page).text, 10, "entry on page"
            )
            headers = {"Authorization": f"Bearer {cluster.token}"}
            retracted = procs.http("POST", f"{p1}/api/v1/entries/{entry_id}/retract", {}, headers)
            assert retracted.status == 200
            procs.wait_until(
                lambda: "Sunsetpriceleak" not in procs.http("GET", page).text,
                10,
                "retracted text gone from the other process's remembered page",
            )
        finally:
            cluster.stop()
