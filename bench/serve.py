"""Run Showfloor exactly as `python app.py` does, plus one bench-only counter of SQL statements.

The counter answers GET /_bench/queries with how many statements this process has sent
to the database, so the catch-up benchmark can tell what one reconnect costs. Nothing
else differs from app.main(): same checks, same garbage-collector settings, same server.
"""

from gevent import monkey

# As in app.py: patch the standard library before anything else imports it.
monkey.patch_all()

import gc  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, jsonify  # noqa: E402
from sqlalchemy import event  # noqa: E402

import app as showfloor  # noqa: E402

# "queries" leaves out transaction control (SQLite's explicit BEGIN, PRAGMAs on
# connect), which PostgreSQL's driver sends implicitly and which reads no rows.
_statements = {"count": 0, "queries": 0}
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE")
_LOG = os.environ.get("BENCH_LOG_SQL") == "1"


def _count(_conn, _cursor, statement, *_args) -> None:
    _statements["count"] += 1
    if not statement.lstrip().upper().startswith(_CONTROL):
        _statements["queries"] += 1
    if _LOG:
        # BENCH_LOG_SQL=1 names each statement, to see what a reconnect runs.
        print("SQL", " ".join(statement.split())[:160], file=sys.stderr, flush=True)


def instrumented_app() -> Flask:
    """The real app with the statement counter and its endpoint attached."""
    flask_app = _create_app()
    engine = flask_app.extensions["showfloor_engine"]
    event.listen(engine, "before_cursor_execute", _count)
    flask_app.add_url_rule(
        "/_bench/queries", "bench_queries", lambda: jsonify(_statements), methods=["GET"]
    )
    flask_app.add_url_rule("/_bench/gc", "bench_gc", lambda: jsonify(_gc_time))
    gc.callbacks.append(_time_collections)
    if os.environ.get("BENCH_TRACEMALLOC") == "1":
        flask_app.add_url_rule("/_bench/memory", "bench_memory", _tracemalloc_top)
    return flask_app


_baseline: list = []
# Seconds the cyclic garbage collector ran, and how many collections, by generation.
_gc_time = {"seconds": [0.0, 0.0, 0.0], "collections": [0, 0, 0]}
_gc_started: list[float] = []


def _time_collections(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        generation = info["generation"]
        _gc_time["seconds"][generation] += time.perf_counter() - _gc_started[0]
        _gc_time["collections"][generation] += 1


def _tracemalloc_top():
    """Memory allocated since the first call, by traceback (BENCH_TRACEMALLOC=1)."""
    import tracemalloc

    snapshot = tracemalloc.take_snapshot()
    if not _baseline:
        _baseline.append(snapshot)
        return jsonify([])
    stats = snapshot.compare_to(_baseline[0], "traceback")
    rows = []
    for stat in stats[:40]:
        rows.append(
            [stat.size_diff, stat.count_diff, [str(f) for f in stat.traceback.format()[-12:]]]
        )
    return jsonify(rows)


_create_app = showfloor.create_app
showfloor.create_app = instrumented_app

if __name__ == "__main__":
    showfloor.main()
