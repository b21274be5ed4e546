"""The reporter desk in the browser: pick a blog, compose, edit, curate."""

from __future__ import annotations

import secrets
from datetime import UTC
from functools import wraps

from flask import abort, g, redirect, render_template, request, url_for

from blog import actions
from blog.content import queries, textdiff
from blog.content.permissions import can_curate, can_modify, can_post, needs_approval
from blog.desk import bp, uploads
from blog.desk.json_routes import parse_local_time
from blog.models import Entry, LiveBlog
from blog.platform import limits
from blog.platform.errors import ActionError, Conflict, Invalid


def login_required(view):
    """Send anonymous visitors to the login page and back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("desk.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


def _form_input() -> actions.EntryInput:
    form = request.form
    return actions.EntryInput(
        kind=form.get("kind", "text"),
        source=form.get("source", ""),
        headline=form.get("headline", ""),
        speaker_id=form.get("speaker_id") or None,
        tags=form.get("tags", ""),
        is_key=_form_key_flag(form.get("is_key") == "on"),
        correction_note=form.get("correction_note", ""),
        media_id=form.get("media_id") or None,
        embed_url=form.get("embed_url", ""),
        embed_title=form.get("embed_title", ""),
        context=form.get("context", ""),
        # The form says it showed the co-author boxes; without that an edit keeps them.
        coauthor_ids=form.getlist("coauthor_ids") if form.get("coauthors_shown") else None,
    )


def _form_key_flag(checked: bool) -> bool | None:
    # Only editors see the key checkbox, so only for them does "unchecked" mean
    # "not key"; for others an absent box leaves the flag as it is.
    if g.user.is_editor:
        return checked
    return True if checked else None


def _blog_for(blog_id: int) -> LiveBlog:
    blog = queries.blog_by_id(blog_id) or abort(404)
    if not can_post(g.user, blog):
        abort(403)
    return blog


@bp.get("/desk/")
@login_required
def desk():
    """The blogs this user may post to."""
    return render_template("desk/desk.html", blogs=queries.desk_blogs(g.user))


@bp.get("/desk/blogs/<int:blog_id>")
@login_required
def compose(blog_id: int):
    """The composer for one blog, with its latest entries below."""
    return _render_compose(_blog_for(blog_id), form={}, errors={})


def _render_compose(blog: LiveBlog, form, errors, message: str = "", status: int = 200):
    entries, _ = queries.published_entries(blog, limit=15)
    return (
        render_template(
            "desk/compose.html",
            blog=blog,
            event=blog.event,
            entries=entries,
            speakers=queries.speakers_of(blog.event),
            **_choices(blog.event, g.user.id),
            form=form,
            errors=errors,
            message=message,
            # A fresh key per rendered form: resubmitting the same form (a
            # double tap, a retry after a timeout) cannot post twice.
            idempotency_key=form.get("idempotency_key") or secrets.token_urlsafe(16),
            can_curate=can_curate(g.user, blog.event),
            drafts=queries.unpublished_entries(g.user, blog),
            batches=queries.open_batches(blog),
            for_review=needs_approval(g.user),
        ),
        status,
    )


def _choices(event, author_id: int) -> dict:
    """What the entry form offers to pick from besides speakers: co-authors and tags."""
    return {
        "coauthor_choices": queries.coauthor_choices(event, author_id),
        "tag_names": queries.tag_names_of(event),
    }


@bp.post("/desk/blogs/<int:blog_id>")
@uploads.accepts_upload
@login_required
def publish(blog_id: int):
    """Publish the composed entry; on a refusal keep every typed word in the form."""
    blog = _blog_for(blog_id)
    form = request.form.copy()
    try:
        # Refused over the limit like any other refusal: the typed words stay.
        limits.check("post", g.user)
        placement = _form_placement(blog.event.timezone)
        key = request.form.get("idempotency_key")
        data = _form_input()
        # A photo sent with the form is stored first; a refused entry keeps it for the retry.
        data.media_id = uploads.upload_form_photo(g.user, blog.event_id) or data.media_id
        form["media_id"] = str(data.media_id or "")
        actions.post_entry(g.user, blog.id, data, key, placement)
    except ActionError as exc:
        return _render_compose(blog, form, exc.fields, exc.message, exc.status)
    return redirect(url_for("desk.compose", blog_id=blog.id))


def _form_placement(tz: str) -> actions.Placement:
    mode = request.form.get("mode") or "publish"
    batch = request.form.get("batch_id", "")
    when = parse_local_time(request.form.get("publish_at"), tz) if mode == "schedule" else None
    batch_id = int(batch) if batch.isdecimal() else None
    return actions.Placement(mode=mode, publish_at=when, batch_id=batch_id)


@bp.post("/desk/entries/<int:entry_id>/publish")
@login_required
def publish_now(entry_id: int):
    """Publish a draft or scheduled entry now."""
    entry = entry_for(entry_id)
    actions.publish_entry(g.user, entry.id)
    return redirect(url_for("desk.compose", blog_id=entry.blog_id))


@bp.post("/desk/blogs/<int:blog_id>/batches")
@login_required
def new_batch(blog_id: int):
    """Start an embargoed batch from the desk form."""
    blog = _blog_for(blog_id)
    when = parse_local_time(request.form.get("release_at"), blog.event.timezone)
    actions.create_batch(g.user, blog.id, request.form.get("name", ""), when)
    return redirect(url_for("desk.compose", blog_id=blog.id))


def entry_for(entry_id: int) -> Entry:
    """The entry, if the signed-in user may change it; 404 or 403 otherwise."""
    entry = queries.entry_by_id(entry_id) or abort(404)
    if not can_modify(g.user, entry):
        abort(403)
    return entry


@bp.route("/desk/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    """Edit an entry; a stale base version shows both texts instead of overwriting."""
    entry = entry_for(entry_id)
    if request.method == "GET":
        return _render_edit(entry, _form_of(entry), {})
    try:
        # A mangled base version (type=int gives None) is a conflict, not a crash.
        base = request.form.get("base_version", type=int)
        actions.edit_entry(g.user, entry.id, base, _form_input())
    except Conflict as exc:
        return _render_edit(entry, request.form, {}, exc.message, 409, current=exc.current)
    except ActionError as exc:
        return _render_edit(entry, request.form, exc.fields, exc.message, exc.status)
    return redirect(url_for("desk.compose", blog_id=entry.blog_id))


def _form_of(entry: Entry) -> dict:
    return {
        "kind": entry.kind.value,
        "source": entry.source,
        "headline": entry.headline,
        "speaker_id": str(entry.speaker_id or ""),
        "tags": ", ".join(t.name for t in entry.tags),
        "is_key": "on" if entry.is_key else "",
        "correction_note": entry.correction_note,
        "media_id": str(entry.media_id or ""),
        "embed_url": entry.embed_url or "",
        "embed_title": (entry.embed or {}).get("title", ""),
        "context": entry.context,
        "coauthor_ids": [str(u.id) for u in entry.coauthors],
        "base_version": entry.version,
    }


def _render_edit(entry, form, errors, message="", status=200, current=None):
    return (
        render_template(
            "desk/edit.html",
            entry=entry,
            blog=entry.blog,
            event=entry.blog.event,
            speakers=queries.speakers_of(entry.blog.event),
            **_choices(entry.blog.event, entry.author_id),
            form=form,
            errors=errors,
            message=message,
            current=current,
            for_review=needs_approval(g.user),
            history=textdiff.history(queries.revisions_of(entry), entry.source),
            people=queries.names_of_users(queries.revision_people(entry)),
        ),
        status,
    )


@bp.post("/desk/entries/<int:entry_id>/display-time")
@login_required
def display_time(entry_id: int):
    """Show an entry as posted at another time, in the event's timezone (editors)."""
    entry = queries.entry_by_id(entry_id) or abort(404)
    try:
        raw = request.form.get("display_at", "").strip()
        when = parse_local_time(raw, entry.blog.event.timezone) if raw else None
        if when is None:
            raise Invalid("Give the time as YYYY-MM-DDTHH:MM.", {"display_at": "missing"})
        actions.set_display_time(g.user, entry.id, when.astimezone(UTC))
    except ActionError as exc:
        form = {**_form_of(entry), "display_at": raw}
        return _render_edit(entry, form, exc.fields, exc.message, exc.status)
    return redirect(url_for("desk.edit", entry_id=entry.id))


@bp.post("/desk/entries/<int:entry_id>/<any(pin, unpin, key, unkey):what>")
@login_required
def curate(entry_id: int, what: str):
    """Pin, unpin, mark or unmark an entry as a key event (editors)."""
    entry = queries.entry_by_id(entry_id) or abort(404)
    if what in ("pin", "unpin"):
        actions.pin_entry(g.user, entry.id, what == "pin")
    else:
        actions.mark_key_entry(g.user, entry.id, what == "key")
    return redirect(url_for("desk.compose", blog_id=entry.blog_id))
