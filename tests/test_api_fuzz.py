"""Fuzz the JSON API with schemathesis against the OpenAPI document the app itself serves.

Each operation of the document runs against the real app (over WSGI) on a
seeded database with a real editor token: valid inputs (positive) and inputs
that break the document (negative). Every response must be no 5xx and match
the document in status code, content type, headers and body; negative input
must be refused with a 4xx. Hypothesis is derandomized, so a run is repeatable.
"""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from conftest import api_headers
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from webhook_support import seed_webhook

from blog import actions
from blog.api import openapi
from blog.models import BlogStatus, Role

pytestmark = pytest.mark.walks

# Cases per operation and mode; the explicit phase adds the document's examples.
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _runs() -> list:
    """(method, path, mode) for every operation; negative only where some input can be invalid.

    A path whose only input is a free-form string (an event slug) has nothing to make invalid.
    """
    runs = []
    for path, methods in openapi.document()["paths"].items():
        for method, operation in methods.items():
            params = operation.get("parameters", [])
            typed = [p for p in params if p["schema"] != {"type": "string"}]
            runs.append((method.upper(), path, GenerationMode.POSITIVE))
            if typed or "requestBody" in operation:
                runs.append((method.upper(), path, GenerationMode.NEGATIVE))
    return runs


RUNS = _runs()
cases_run: dict[str, int] = {}
statuses: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def report_case_count(request):
    """Say how many cases ran, once the module is done."""
    yield
    total = sum(cases_run.values())
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not total:
        return
    by_class = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\nschemathesis: {total} cases in {len(cases_run)} runs ({by_class})")


def isolated(app):
    """The app as a WSGI callable whose every request runs in a context of its own.

    The app fixture keeps an app context pushed, which Flask would reuse for
    every request (g and the database session would leak between cases).
    """

    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


def seed(make_event, make_blog, make_entry, make_user, editor) -> dict:
    """A show with live, ended and scheduled blogs, entries of each status, and a roster."""
    event = make_event()
    live = make_blog(event)
    make_blog(event, status=BlogStatus.ENDED)
    make_blog(event, status=BlogStatus.SCHEDULED)
    speaker = actions.add_speaker(event, "Ada Speaker", "CTO", "Aurora")
    first = make_entry(live, source="A published text entry")
    make_entry(live, source="A quote", kind="quote", speaker_id=speaker.id)
    retracted = make_entry(live, source="Soon retracted")
    actions.retract_entry(editor, retracted.id)
    contributor = make_user(Role.CONTRIBUTOR, events=[event])
    make_entry(live, author=contributor, source="Waiting for approval")
    times = {"starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00"}
    session = actions.save_session(editor, event.id, None, actions.SessionInput(title="T", **times))
    ids = {"blog_id": live.id, "entry_id": first.id, "event_id": event.id, "event_slug": event.slug}
    ids |= {"speaker_id": speaker.id, "organization_id": speaker.organization_id}
    ids |= {"session_id": session.id, "who": contributor.email}
    ids |= seed_webhook(editor, event, lambda: make_entry(live, source="After the webhook"))
    return api_headers(editor), ids


def strategy(operation, mode: GenerationMode, ids: dict):
    """Cases with any ids, mixed with cases on the seeded objects.

    Random ids almost never name a seeded blog or entry, so without the second
    half nearly every case would stop at 404 before its body is looked at.
    """
    free = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    if not names:
        return free
    seeded = {name: ids[name] for name in names}
    return st.one_of(free, operation.as_strategy(generation_mode=mode, path_parameters=seeded))


@pytest.mark.parametrize(
    ("method", "path", "mode"), RUNS, ids=[f"{m} {p} {g.value}" for m, p, g in RUNS]
)
def test_operation_conforms(
    app, make_event, make_blog, make_entry, make_user, editor, method, path, mode
):
    headers, ids = seed(make_event, make_blog, make_entry, make_user, editor)
    wsgi = isolated(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi)
    operation = schema[path][method]
    checks = CONFORMANCE + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
    label = f"{method} {path} {mode.value}"
    cases_run[label] = 0

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy(operation, mode, ids))
    def run(case):
        cases_run[label] += 1
        response = case.call(app=wsgi, headers=headers)
        status_class = f"{response.status_code // 100}xx"
        statuses[status_class] = statuses.get(status_class, 0) + 1
        case.validate_response(response, checks=checks, headers=headers)

    run()
    assert cases_run[label] > 0
