"""Photo uploads and photo files: the desk's and the API's upload, attaching, serving /media/<file>.

The composer's script uploads a photo, then posts or attaches the entry:

POST /desk/media (session cookie; CSRF token in the X-CSRFToken header or a
csrf_token field) and POST /api/v1/media (Authorization: Bearer <token>) take
multipart/form-data:
    file      the photo: JPEG, PNG, WebP or GIF, at most MAX_UPLOAD_BYTES (15 MB)
    blog_id   the blog being written; the photo belongs to its event
    alt       required: one sentence saying what the photo shows
    caption   optional
    credit    optional, e.g. "Ana Ruiz / Showfloor"
    idempotency_key  optional (or an Idempotency-Key header): 8–64 letters,
              digits, '-' or '_'; the same key again from the same uploader
              answers 200 with the first photo instead of storing a second
201 → {"id": 12, "width": 3000, "height": 4000, "alt": "…", "caption": "…",
       "credit": "…", "src": "/media/<key>-960.webp", "srcset": "/media/… 480w, …",
       "variants": [{"width": 480, "height": 640, "url": "/media/…",
                     "type": "image/webp"}, …]}            (smallest first)
4xx → {"error": "<what to tell the reporter>", "fields": {"alt": "…"}?, …}
    400 stale CSRF token ("csrf": true: fetch a fresh token, send again)
    401 the session ended ("login_url": log in there, then send again)
    403 not assigned to the event · 404 no such blog
    413 file too large ("too_large": true; compare file.size before sending)
    422 no file, not an accepted image, too many pixels, or alt text missing
        ("fields" names the field: file, alt, caption, credit)
Nothing is stored when any of these is answered.

Then either post the entry with {"kind": "image", "media_id": 12, …}, or, for
an entry already posted with the "Photo coming…" placeholder, attach it:
POST /desk/entries/<id>/media or /api/v1/entries/<id>/media with JSON or form
{"media_id": 12} → 200 and the entry as GET /api/v1/entries/<id> shows it.
Readers' open pages receive entry_edited and show the photo.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Request,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_wtf.csrf import CSRFError

from blog import actions
from blog.actions.media import upload_media_once
from blog.api.body import parsed_json
from blog.api.client_fields import refuse_server_fields
from blog.api.idempotency import idempotent, refuse_key_of_other_write
from blog.api.representations import edit_answer
from blog.api.token_auth import check_scope, token_required
from blog.content import photos, queries
from blog.platform import db, limits
from blog.platform.errors import ActionError, Invalid, NotFound
from blog.platform.extensions import csrf
from blog.platform.web import wants_json

bp = Blueprint("uploads", __name__)

# Photo files never change once written, but a retraction takes them down:
# shared caches keep one for minutes, then revalidate (a cheap 304).
MEDIA_MAX_AGE = 300
# Room for the form fields that travel with the file.
FORM_OVERHEAD = 256 * 1024


class UploadRequest(Request):
    """A request whose body may reach the upload limit, but only on views that take photos.

    Every other route keeps MAX_CONTENT_LENGTH (1 MB). The limit must be known
    before the CSRF check reads the form, hence here rather than in the view.
    """

    @property
    def max_content_length(self) -> int | None:
        """The upload limit plus form overhead for photo views, else the app's limit."""
        if self._max_content_length is None and _takes_upload(self):
            return photos.max_upload_bytes() + FORM_OVERHEAD
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def _takes_upload(req: Request) -> bool:
    if req.url_rule is None:
        return False
    view = current_app.view_functions.get(req.url_rule.endpoint)
    return bool(getattr(view, "accepts_upload", False))


def accepts_upload(view):
    """Let a view's request body reach the upload limit (its form carries a photo)."""
    view.accepts_upload = True
    return view


@bp.record_once
def _install(state) -> None:
    state.app.request_class = UploadRequest
    state.app.register_error_handler(413, _too_large)


def _too_large(_exc):
    db.session.rollback()
    if _takes_upload(request):
        message = (
            f"The photo is too large: at most {_megabytes(photos.max_upload_bytes())}. "
            "Choose a smaller one or lower the camera's resolution."
        )
    else:
        message = (
            f"That is too much to send at once: at most {_megabytes(request.max_content_length)}."
        )
    if wants_json() or request.blueprint == bp.name:
        return jsonify({"error": message, "too_large": True}), 413
    return render_template("error.html", message=message, status=413), 413


def _megabytes(limit: int | None) -> str:
    return f"{(limit or 0) / (1024 * 1024):.0f} MB"


def _desk_user():
    if g.user is None:
        raise _LoggedOut("Your session has ended: log in again, then send the photo again.")
    return g.user


class _LoggedOut(ActionError):
    status = 401

    def to_json(self) -> dict:
        return {"error": self.message, "login_url": url_for("desk.login")}


def _blog_event_id(raw) -> int:
    raw = str(raw or "")
    blog = queries.blog_by_id(int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if blog is None:
        raise NotFound("No such live blog: send the blog_id of the blog you are writing.")
    check_scope(blog.event_id)  # an event-scoped API token posts to its own event only
    return blog.event_id


def _upload(user):
    limits.check("upload", user)
    # The composer has two inputs named "file" (camera and gallery): the one holding a file counts.
    file = next((f for f in request.files.getlist("file") if f.filename), None)
    if file is None:
        raise Invalid("Choose a photo to upload.", {"file": "no file was sent"})
    form = request.form
    event_id = _blog_event_id(form.get("blog_id"))
    key = form.get("idempotency_key") or request.headers.get("Idempotency-Key")
    refuse_key_of_other_write(user.id, key)
    photo, created = upload_media_once(
        user,
        event_id,
        file,
        form.get("alt", ""),
        form.get("caption", ""),
        form.get("credit", ""),
        key=key,
    )
    return jsonify(photos.media_json(photo)), 201 if created else 200


@bp.post("/desk/media")
@accepts_upload
def desk_upload():
    """Upload a photo from the desk composer; answers JSON (see the module docstring)."""
    return _upload(_desk_user())


@bp.post("/api/v1/media")
@accepts_upload
@token_required
def api_upload():
    """Upload a photo with an API token; answers as POST /desk/media does."""
    return _upload(g.user)


def _attach(user, entry_id: int):
    body = parsed_json() if request.is_json else request.form
    if not isinstance(body, dict) and not hasattr(body, "getlist"):
        raise Invalid("Send the photo's media_id as JSON or form data.")
    refuse_server_fields(body)
    entry = actions.attach_media(user, entry_id, body.get("media_id"))
    return edit_answer(user, entry)


@bp.post("/desk/entries/<int:entry_id>/media")
def desk_attach(entry_id: int):
    """Attach an uploaded photo to an entry from the desk (replaces its placeholder)."""
    return _attach(_desk_user(), entry_id)


@bp.post("/api/v1/entries/<int:entry_id>/media")
@token_required
@idempotent()
def api_attach(entry_id: int):
    """Attach an uploaded photo to an entry with an API token."""
    return _attach(g.user, entry_id)


# Token-authenticated routes carry no cookie a forger could ride on.
csrf.exempt(api_upload)
csrf.exempt(api_attach)


def upload_form_photo(user, event_id: int) -> int | None:
    """Store the photo of a composer form posted without script; return its media id.

    None when the form is not a photo entry or brings no new file. A photo
    entry with neither a file nor an earlier upload is refused: without script
    nothing would ever replace its placeholder.
    """
    form = request.form
    if form.get("kind") != "image":
        return None
    # The composer has two inputs named "file" (camera and gallery): the one holding a file counts.
    file = next((f for f in request.files.getlist("file") if f.filename), None)
    if file is None:
        if not form.get("media_id"):
            raise Invalid("Choose a photo to upload.", {"file": "Choose a photo to upload."})
        return None
    limits.check("upload", user)
    photo = actions.upload_media(
        user, event_id, file, form.get("alt", ""), form.get("caption", ""), form.get("credit", "")
    )
    return photo.id


@bp.get("/media/<name>")
def serve(name: str):
    """A stored photo variant; only names the pipeline makes, and to readers only public ones."""
    if not photos.FILE_NAME.match(name):
        abort(404)
    staff = g.get("user") is not None
    if not staff and not queries.photo_shown_to_readers(photos.storage_key_of(name)):
        abort(404)
    response = send_from_directory(
        photos.media_root(), name, mimetype=photos.VARIANT_TYPE, max_age=MEDIA_MAX_AGE
    )
    # Staff answers get "private, no-store" with every desk answer (platform/web.py):
    # a draft's or a retracted entry's photo stays out of every cache.
    if not staff:
        response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the file is an image and nothing else.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.errorhandler(ActionError)
def _refused(exc: ActionError):
    db.session.rollback()
    return jsonify(exc.to_json()), exc.status


@bp.errorhandler(CSRFError)
def _stale_token(_exc):
    message = "The page's security token is missing or expired: fetch a fresh one and send again."
    return jsonify({"error": message, "csrf": True}), 400
