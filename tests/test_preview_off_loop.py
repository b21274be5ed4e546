"""A preview's rendering never stalls the server: other clients are answered while it renders.

`python app.py` on gevent serves every client from one event loop; Markdown or
bleach running in that process would hold it for the whole render. Inputs that
cost seconds but look cheap to any estimate are previewed here while another
client polls /healthz, and must keep getting answers while the preview renders.
"""

from __future__ import annotations

import re
import threading
import time

import procs
import pytest
import requests
from conftest import PASSWORD, login

from blog.platform import db

pytestmark = pytest.mark.timeout(180)

SLOW_INPUTS = {
    "open parentheses": "(" * 9999,
    "empty headings": "#\n" * 4999,
    "table pipes": "|\n" * 4999,
}
# A stalled loop holds /healthz for the whole render (0.5 s and more): at most
# the one answer in flight when the render began arrives while it runs. A free
# loop answers in milliseconds (about 7 ms here), and in tens of them when the
# machine is busy: well over this many answers. A count, not a time, so a busy
# machine's pauses (0.4 s seen under a parallel test run) cannot fail it.
ANSWERS_WHILE_RENDERING = 10


@pytest.fixture
def server(app, database_url, tmp_path):
    """The app in its own process on gevent, on this test's database."""
    db.session.remove()  # the server process writes; this one only set the data up
    env = {
        "SHOWFLOOR_DATABASE_URL": database_url,
        "SHOWFLOOR_SECRET_KEY": "preview-tests",
        "SHOWFLOOR_ASYNC_MODE": "gevent",
        "SHOWFLOOR_REDIS_URL": "",
    }
    running = procs.Server(env, tmp_path, "server").start().wait_healthy()
    yield running
    running.stop()


def desk_session(server, user) -> requests.Session:
    """A browser-like session logged in through the form, with the desk's CSRF header set."""
    http = requests.Session()
    form = http.get(f"{server.url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    assert http.post(f"{server.url}/login", data=data, timeout=30).status_code in (200, 302)
    http.headers["X-CSRFToken"] = http.get(f"{server.url}/desk/session", timeout=30).json()[
        "csrf_token"
    ]
    return http


class HealthPoller:
    """Another client asking /healthz over and over, keeping the slowest answer's time."""

    def __init__(self, url: str):
        self.url = url + "/healthz"
        self.done = threading.Event()
        self.worst = 0.0
        self.count = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthPoller:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join(60)

    def _run(self) -> None:
        with requests.Session() as http:
            while not self.done.is_set():
                started = time.perf_counter()
                assert http.get(self.url, timeout=30).status_code == 200
                self.worst = max(self.worst, time.perf_counter() - started)
                self.count += 1


def poll_while(url: str, action) -> tuple[float, float, int]:
    """Run action while polling /healthz; return (worst wait, its duration, answers meanwhile)."""
    with HealthPoller(url) as poller:
        started = time.perf_counter()
        action()
        took = time.perf_counter() - started
        answered = poller.count
    return poller.worst, took, answered


def poll_for(url: str, seconds: float) -> float:
    """Poll /healthz for a while with nothing else going on; return the worst wait."""
    done = threading.Event()
    return poll_while(url, lambda: done.wait(seconds))[0]


@pytest.mark.parametrize("source", SLOW_INPUTS.values(), ids=SLOW_INPUTS.keys())
def test_a_slow_preview_leaves_other_clients_answered(server, blog, reporter, source):
    http = desk_session(server, reporter)
    preview_url = f"{server.url}/desk/blogs/{blog.id}/preview"
    # The first preview starts the render workers: not what is measured.
    assert http.post(preview_url, json={"source": "*warm*"}, timeout=60).status_code == 200
    answers = []
    during, took, answered = poll_while(
        server.url, lambda: answers.append(http.post(preview_url, json={"source": source}))
    )
    without = poll_for(server.url, took)
    reply = answers[0]
    assert reply.status_code in (200, 422), reply.text
    if reply.status_code == 422:
        assert "too complex" in reply.json()["error"]
    print(
        f"preview {took:.2f} s; /healthz answered {answered} times meanwhile, "
        f"worst {during:.3f} s ({without:.3f} s without a preview)"
    )
    assert answered >= ANSWERS_WHILE_RENDERING, (answered, took, during)


def test_previews_are_rate_limited_like_posts(app, client, blog, reporter):
    app.config["LIMITS"] = {**app.config["LIMITS"], "preview_account": (2, 60)}
    login(client, reporter)
    token = client.get("/desk/session").get_json()["csrf_token"]
    url = f"/desk/blogs/{blog.id}/preview"
    headers = {"X-CSRFToken": token}
    for _ in range(2):
        assert client.post(url, json={"source": "*x*"}, headers=headers).status_code == 200
    refused = client.post(url, json={"source": "*x*"}, headers=headers)
    assert refused.status_code == 429
    assert "Too many previews" in refused.get_json()["error"]
    assert int(refused.headers["Retry-After"]) > 0
