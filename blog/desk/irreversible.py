"""The desk's clicks that cannot be taken back — retract, release a batch, end a blog — asked twice.

The first click (or a form sent without the confirmation) shows a confirm page; only its
button, which posts `confirm=yes`, acts. Permissions are checked before asking, so a
visitor who may not act is refused rather than asked.
"""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for

from blog import actions
from blog.content import queries
from blog.content.permissions import can_curate, can_post, can_release_batch, needs_approval
from blog.desk import bp
from blog.desk.confirm import Confirmation, ask, confirmed
from blog.desk.pages import entry_for, login_required
from blog.models import BlogStatus, EmbargoBatch, LiveBlog
from blog.platform.errors import Forbidden


@bp.route("/desk/entries/<int:entry_id>/retract", methods=["GET", "POST"])
@login_required
def retract(entry_id: int):
    """Retract an entry from readers' pages, once confirmed."""
    entry = entry_for(entry_id)
    back = url_for("desk.compose", blog_id=entry.blog_id)
    if request.method == "GET" or not confirmed():
        return ask(
            Confirmation(
                title="Retract this entry?",
                consequence="Readers lose it at once, on every page, feed and embed. "
                "Its text stays in the desk's history, but it cannot be published again.",
                action=url_for("desk.retract", entry_id=entry.id),
                button="Retract entry",
                cancel_url=back,
                excerpt=entry.headline or entry.source[:200],
            )
        )
    actions.retract_entry(g.user, entry.id)
    return redirect(back)


def _batch_for(batch_id: int) -> EmbargoBatch:
    batch = queries.batch_by_id(batch_id) or abort(404)
    blog = queries.blog_by_id(batch.blog_id)
    # Checked before the question: someone who may not release it is not asked.
    if blog is None or not can_post(g.user, blog) or needs_approval(g.user):
        abort(403)
    if not can_release_batch(g.user, batch, blog):
        raise Forbidden("Only the reporter who prepared this batch, or an editor, can release it.")
    return batch


@bp.route("/desk/batches/<int:batch_id>/release", methods=["GET", "POST"])
@login_required
def release(batch_id: int):
    """Release an embargoed batch now, once confirmed."""
    batch = _batch_for(batch_id)
    back = url_for("desk.compose", blog_id=batch.blog_id)
    if request.method == "GET" or not confirmed():
        return ask(
            Confirmation(
                title=f"Release “{batch.name}” now?",
                consequence="Every entry of the batch goes to readers at once, before any "
                "embargo time set for it. Published entries can only be retracted, not recalled.",
                action=url_for("desk.release", batch_id=batch.id),
                button="Release now",
                cancel_url=back,
            )
        )
    actions.release_batch(g.user, batch.id)
    return redirect(back)


@bp.post("/desk/blogs/<int:blog_id>/status")
@login_required
def set_status(blog_id: int):
    """Set a blog live or ended (editors); ending it is confirmed first."""
    raw = request.form.get("status", "")
    if raw not in {s.value for s in BlogStatus}:
        abort(400)
    blog = queries.blog_by_id(blog_id) or abort(404)
    if not can_curate(g.user, blog.event):
        abort(403)
    if raw == BlogStatus.ENDED.value and not confirmed():
        action = url_for("desk.set_status", blog_id=blog.id)
        return ask(end_blog_confirmation(blog, action, url_for("desk.desk")))
    actions.set_blog_status(g.user, blog.id, BlogStatus(raw))
    return redirect(url_for("desk.desk"))


def end_blog_confirmation(blog: LiveBlog, action: str, cancel_url: str) -> Confirmation:
    """The question asked before a blog is ended, posting back to `action`."""
    return Confirmation(
        title=f"End “{blog.title}”?",
        consequence="Readers see it as ended and nobody can post to it; it stays online as "
        "an archive. An editor can reopen it later from the blog's page.",
        action=action,
        button="End blog",
        cancel_url=cancel_url,
        fields={"status": BlogStatus.ENDED.value},
    )
