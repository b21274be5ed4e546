"""Idempotency keys on API writes: a repeat of a write is answered with the first answer.

A write that carries an `Idempotency-Key` header reserves the key for its
account before it runs and keeps its answer (status and body) once it has
succeeded; the same key again on the same method and path gets that answer,
on another write a 422. A refused or failed write keeps nothing, so the key
may be sent again with corrected input. Answers are kept for KEY_TTL.

Posts of entries and photo uploads keep their own keys on their rows
(blog/actions/entries.py, blog/actions/media.py); a key is refused on a write
of the other kind, so one key never names two different writes.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import Response, current_app, g, request
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from blog.actions.entry_input import IDEMPOTENCY_KEY
from blog.models import Entry, IdempotentAnswer, Media
from blog.platform import clock, db
from blog.platform.errors import ActionError, Invalid

HEADER = "Idempotency-Key"
# How long a kept answer repeats; docs/api.md, section 7, says so to clients.
KEY_TTL = timedelta(hours=24)
# A first request still unanswered after this long is taken to have died with
# its process: a repeat may then run the write itself.
IN_FLIGHT = timedelta(seconds=60)
REPLAYED_HEADER = "Idempotent-Replayed"
MALFORMED = "An idempotency key is 8–64 letters, digits, '-' or '_'."
MISSING = "Each create needs an Idempotency-Key header of 8–64 letters, digits, '-' or '_'."


class StillRunning(ActionError):
    """The first request with this key has not answered yet."""

    status = 409


def idempotent(required: bool = False):
    """Answer a repeated write (same account, key, method and path) with its first answer.

    required: creates refuse a request without a key (422).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                if required:
                    raise Invalid(MISSING, {"idempotency_key": "missing or malformed"})
                return view(*args, **kwargs)
            if not IDEMPOTENCY_KEY.fullmatch(key):
                raise Invalid(MALFORMED, {"idempotency_key": "missing or malformed"})
            return _once(key, lambda: view(*args, **kwargs))

        return wrapper

    return decorate


def _once(key: str, run) -> Response:
    user_id = g.user.id
    earlier = _reserve(user_id, key, _target())
    if earlier is not None:
        return earlier
    try:
        response = current_app.make_response(run())
    except BaseException:
        _release(user_id, key)
        raise
    if 200 <= response.status_code < 300:
        _keep(user_id, key, response)
    else:
        _release(user_id, key)
    return response


def _target() -> str:
    return f"{request.method} {request.path}"[:300]


def _reserve(user_id: int, key: str, target: str) -> Response | None:
    """Reserve the key for this write; or the kept answer of its first run."""
    db.begin_write()
    try:
        _forget_expired()
        refuse_key_of_post(user_id, key)
        row = _row(user_id, key)
        if row is None:
            db.session.add(IdempotentAnswer(user_id=user_id, key=key, target=target, body=""))
            db.session.commit()
            return None
        return _repeat(row, target)
    except IntegrityError:  # a concurrent request with this key reserved it first
        db.session.rollback()
        raise StillRunning(_running_message()) from None
    except BaseException:
        db.session.rollback()
        raise


def _repeat(row: IdempotentAnswer, target: str) -> Response | None:
    if row.target != target:
        raise Invalid(
            f"This idempotency key was already used for another write ({row.target}); "
            "use a new key for each write.",
            {"idempotency_key": "used for another write"},
        )
    if row.status is None:
        if clock.now() - row.created_at < IN_FLIGHT:
            raise StillRunning(_running_message())
        row.created_at = clock.now()  # its first request died: this one runs the write
        db.session.commit()
        return None
    answer = Response(row.body, status=row.status, mimetype="application/json")
    db.session.commit()
    answer.headers[REPLAYED_HEADER] = "true"
    return answer


def _running_message() -> str:
    return "A request with this idempotency key is still running; try again in a moment."


def _row(user_id: int, key: str) -> IdempotentAnswer | None:
    stmt = select(IdempotentAnswer).where(
        IdempotentAnswer.user_id == user_id, IdempotentAnswer.key == key
    )
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def _forget_expired() -> None:
    stale = IdempotentAnswer.created_at < clock.now() - KEY_TTL
    db.session.execute(delete(IdempotentAnswer).where(stale))


def refuse_key_of_post(user_id: int, key: str) -> None:
    """Refuse a key this account already gave an entry or a photo upload."""
    entry = select(Entry.id).where(Entry.author_id == user_id, Entry.idempotency_key == key)
    photo = select(Media.id).where(Media.uploader_id == user_id, Media.upload_key == key)
    if db.session.scalar(entry.limit(1)) is not None:
        raise Invalid("This idempotency key was already used for an entry.")
    if db.session.scalar(photo.limit(1)) is not None:
        raise Invalid("This idempotency key was already used for a photo upload.")


# Built once: every post runs it (see blog/actions/tokens.py).
_OTHER_WRITE_TARGET = select(IdempotentAnswer.target).where(
    IdempotentAnswer.user_id == bindparam("user_id"),
    IdempotentAnswer.key == bindparam("key"),
    IdempotentAnswer.created_at >= bindparam("cutoff"),
)


def refuse_key_of_other_write(user_id: int, key: object) -> None:
    """Refuse, for a post or an upload, a key this account used on another API write."""
    # A key of the wrong type (a number in the JSON body) is the post's own validation's to refuse.
    if not isinstance(key, str) or not key:
        return
    params = {"user_id": user_id, "key": key, "cutoff": clock.now() - KEY_TTL}
    target = db.session.scalar(_OTHER_WRITE_TARGET, params)
    if target is not None:
        raise Invalid(f"This idempotency key was already used for another write ({target}).")


def _keep(user_id: int, key: str, response: Response) -> None:
    db.begin_write()
    row = _row(user_id, key)
    if row is not None:
        row.status, row.body = response.status_code, response.get_data(as_text=True)
    db.session.commit()


def _release(user_id: int, key: str) -> None:
    db.session.rollback()
    try:
        db.begin_write()
        mine = (IdempotentAnswer.user_id == user_id) & (IdempotentAnswer.key == key)
        db.session.execute(delete(IdempotentAnswer).where(mine))
        db.session.commit()
    except Exception:
        # The database may be what failed: the reservation then lapses after IN_FLIGHT.
        db.session.rollback()
