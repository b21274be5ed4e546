"""Request heads read by blog/platform/request_headers.py, alone and through the real server.

The server tests send raw bytes over TCP to Showfloor's gevent server in this
process's hub, so what reaches the WSGI environ is what gevent builds from the
fields the parser returns.
"""

from __future__ import annotations

import io
import json
from http import client

import pytest
from gevent import socket as gsocket

from blog.platform.http_server import ShowfloorServer, handler_class
from blog.platform.request_headers import MAX_FIELDS, MAX_LINE_BYTES, read_headers

BROWSER_HEAD = (
    b"Host: show.example:5000\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
    b"Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
    b"Accept-Language: en-GB,en;q=0.5\r\n"
    b"Cookie: session=abc.def\r\n"
    b"Cookie: theme=dark\r\n"
    b'If-None-Match: "v42"\r\n'
    b"X-Forwarded-For: 203.0.113.9\r\n"
    b"X-Forwarded-For: 10.0.0.1\r\n"
    b"Content-Type: application/json; charset=utf-8\r\n"
    b"content-length:  12 \r\n"
    b"X-Padded:\tvalue with inner  spaces\t\r\n"
    b"X-Latin: caf\xe9\r\n"
    b"\r\n"
)


def test_fields_read_as_the_standard_library_reads_them():
    ours = read_headers(io.BytesIO(BROWSER_HEAD + b"body follows"))
    theirs = client.parse_headers(io.BytesIO(BROWSER_HEAD))
    assert ours.status == ""
    assert [(name, value) for name, value in ours.fields] == [
        (name, value.strip(" \t")) for name, value in theirs.items()
    ]
    for name in ("host", "COOKIE", "Content-Length", "x-latin", "missing"):
        expected = theirs.get(name)
        assert ours.get(name) == (expected.strip() if expected is not None else None)
    assert ours.get("Cookie") == "session=abc.def"  # the first, as the email package answers
    assert ours.typeheader == "application/json; charset=utf-8"
    assert ours.getheader("content-length") == "12"


def test_removing_a_field_removes_every_copy_and_a_missing_one_is_no_error():
    headers = read_headers(io.BytesIO(BROWSER_HEAD))
    del headers["cookie"]
    del headers["Transfer-Encoding"]
    assert "Cookie" not in headers
    assert not [line for line in headers.headers if line.lower().startswith("cookie")]
    assert "Host" in headers


def test_the_head_ends_at_an_empty_line_or_the_end_of_input():
    bare_newlines = read_headers(io.BytesIO(b"Host: a\nAccept: */*\n\nbody"))
    assert bare_newlines.fields == [("Host", "a"), ("Accept", "*/*")]
    closed_early = read_headers(io.BytesIO(b"Host: a\r\n"))
    assert closed_early.status == "" and closed_early.fields == [("Host", "a")]


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b" folded continuation\r\n", "obsolete line folding"),
        (b"Host : example\r\n", "white space before the colon"),
        (b"no colon at all\r\n", "not a field"),
        (b": empty name\r\n", "an empty name"),
        (b"X-Bad\x00Name: 1\r\n", "a control character in the name"),
        (b"X-Split: a\rb\r\n", "a lone carriage return in the value"),
        (b"X-Nul: a\x00b\r\n", "a NUL in the value"),
    ],
)
def test_a_line_a_server_must_or_may_refuse_spoils_the_head(line, why):
    headers = read_headers(io.BytesIO(b"Host: a\r\n" + line + b"Accept: */*\r\n\r\n"))
    assert headers.status.startswith("Malformed header line"), why
    assert headers.fields == []


def test_too_many_fields_or_too_long_a_line_spoils_the_head():
    many = b"".join(b"X-%d: 1\r\n" % n for n in range(MAX_FIELDS + 1)) + b"\r\n"
    assert read_headers(io.BytesIO(many)).status == f"More than {MAX_FIELDS} header fields"
    exactly = b"".join(b"X-%d: 1\r\n" % n for n in range(MAX_FIELDS)) + b"\r\n"
    assert len(read_headers(io.BytesIO(exactly)).fields) == MAX_FIELDS
    long_line = b"X-Long: " + b"a" * MAX_LINE_BYTES + b"\r\n\r\n"
    assert read_headers(io.BytesIO(long_line)).status == "Line too long"


@pytest.fixture
def echo_server():
    """Showfloor's HTTP server, answering each request with the environ keys it was given."""
    seen: list[dict] = []

    def app(environ, start_response):
        body = environ["wsgi.input"].read()
        fields = {k: v for k, v in environ.items() if k.startswith(("HTTP_", "CONTENT_"))}
        seen.append(fields)
        answer = json.dumps({"fields": fields, "body": body.decode()}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [answer]

    server = ShowfloorServer(("127.0.0.1", 0), app, handler_class=handler_class(10.0), log=None)
    server.start()
    yield server, seen
    server.stop(timeout=1)


def send_raw(server, head: bytes) -> bytes:
    """Send these bytes on a new connection, ask it closed after; return everything answered."""
    sock = gsocket.create_connection(("127.0.0.1", server.server_port))
    try:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer
    finally:
        sock.close()


def test_the_server_builds_its_environ_from_the_fields(echo_server):
    server, _ = echo_server
    head = b"POST /x HTTP/1.1\r\nConnection: close\r\nX_Smuggled: 1\r\n" + BROWSER_HEAD
    answer = send_raw(server, head + b'{"a": "bc"}\n')
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200")
    echoed = json.loads(body)
    fields = echoed["fields"]
    assert echoed["body"] == '{"a": "bc"}\n'
    assert fields["HTTP_COOKIE"] == "session=abc.def; theme=dark"
    assert fields["HTTP_X_FORWARDED_FOR"] == "203.0.113.9,10.0.0.1"
    assert fields["CONTENT_TYPE"] == "application/json; charset=utf-8"
    assert fields["CONTENT_LENGTH"] == "12"
    assert fields["HTTP_X_PADDED"] == "value with inner  spaces"
    assert fields["HTTP_X_LATIN"] == "caf\xe9"
    # gevent drops names with an underscore: they would alias a dashed name in the environ.
    assert "HTTP_X_SMUGGLED" not in fields


@pytest.mark.parametrize(
    "bad_line",
    [b" folded\r\n", b"Host : example\r\n", b"X-Split: a\rb\r\n", b"no colon\r\n"],
)
def test_a_malformed_head_is_answered_400_and_never_reaches_the_app(echo_server, bad_line):
    server, seen = echo_server
    head = b"GET / HTTP/1.1\r\nHost: example\r\n" + bad_line + b"Connection: close\r\n\r\n"
    answer = send_raw(server, head)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert seen == []
