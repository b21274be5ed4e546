"""The editor's webhook pages: an event's endpoints, one endpoint's settings and delivery log.

A secret appears on the page that follows its creation or rotation, and never
again; like every staff page, those are sent "private, no-store".
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for

from blog.editor import bp
from blog.editor.screens import curated_event, editor_required
from blog.models import Event, WebhookEndpoint
from blog.platform import db
from blog.platform.errors import ActionError, Invalid
from blog.webhooks import endpoints, log


def _page(template: str, status: int = 200, **context):
    # Staff pages are sent "private, no-store" (blog/platform/web.py): no cache keeps a secret.
    return render_template(f"editor/webhooks/{template}", **context), status


def _render_list(event: Event, exc: ActionError | None = None, form=None):
    return _page(
        "index.html",
        exc.status if exc else 200,
        event=event,
        webhooks=log.endpoints_of(event),
        types=endpoints.CHOOSABLE,
        always=endpoints.ALWAYS,
        form=form or {"change_types": list(endpoints.CHOOSABLE)},
        message=exc.message if exc else "",
        errors=exc.fields if exc else {},
    )


def _endpoint(event: Event, webhook_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, webhook_id)
    if endpoint is None or endpoint.event_id != event.id:
        abort(404)
    return endpoint


def _render_endpoint(event: Event, endpoint, exc=None, secret: str = ""):
    before = request.args.get("before", type=int)
    deliveries, more = log.deliveries_of(endpoint.id, before)
    return _page(
        "endpoint.html",
        exc.status if exc else 200,
        event=event,
        webhook=endpoint,
        types=endpoints.CHOOSABLE,
        always=endpoints.ALWAYS,
        deliveries=deliveries,
        attempts=log.last_attempts([d.id for d in deliveries]),
        state=log.state_of,
        more=more,
        secret=secret,
        message=exc.message if exc else "",
        errors=exc.fields if exc else {},
    )


def _form_input() -> endpoints.EndpointInput:
    return endpoints.EndpointInput(
        url=request.form.get("url", ""),
        change_types=request.form.getlist("change_types"),
        description=request.form.get("description", ""),
    )


@bp.get("/curate/events/<int:event_id>/webhooks")
@editor_required
def webhooks(event_id: int):
    """The event's webhook endpoints and the form that registers one."""
    return _render_list(curated_event(event_id))


@bp.post("/curate/events/<int:event_id>/webhooks")
@editor_required
def new_webhook(event_id: int):
    """Register an endpoint and show its secret this once."""
    event = curated_event(event_id)
    try:
        endpoint, secret = endpoints.create_endpoint(g.user, event.id, _form_input())
    except ActionError as exc:
        form = {**request.form, "change_types": request.form.getlist("change_types")}
        return _render_list(event, exc, form)
    return _render_endpoint(event, endpoint, secret=secret)


@bp.route("/curate/events/<int:event_id>/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@editor_required
def webhook(event_id: int, webhook_id: int):
    """One endpoint: its settings (POST saves them), state and delivery log."""
    event = curated_event(event_id)
    endpoint = _endpoint(event, webhook_id)
    if request.method == "POST":
        try:
            endpoint = endpoints.update_endpoint(g.user, endpoint.id, _form_input())
        except ActionError as exc:
            return _render_endpoint(event, endpoint, exc)
    return _render_endpoint(event, endpoint)


def _act(event_id: int, webhook_id: int, action, *args, then=None):
    """Run an endpoint action; back to its page (or then(...)), or the page with the refusal."""
    event = curated_event(event_id)
    endpoint = _endpoint(event, webhook_id)
    try:
        result = action(g.user, *args)
    except ActionError as exc:
        return _render_endpoint(event, endpoint, exc)
    if then is not None:
        return then(event, result)
    return redirect(url_for("editor.webhook", event_id=event_id, webhook_id=webhook_id))


@bp.post("/curate/events/<int:event_id>/webhooks/<int:webhook_id>/pause")
@editor_required
def pause_webhook(event_id: int, webhook_id: int):
    """Pause (paused=1) or resume (paused=0) deliveries to the endpoint."""
    data = endpoints.EndpointInput(paused=request.form.get("paused") == "1")
    return _act(event_id, webhook_id, endpoints.update_endpoint, webhook_id, data)


@bp.post("/curate/events/<int:event_id>/webhooks/<int:webhook_id>/rotate")
@editor_required
def rotate_webhook(event_id: int, webhook_id: int):
    """A new secret, shown on the page that follows; the old one may still sign for a day."""
    keep = request.form.get("keep_previous") == "1"

    def show(event: Event, secret: str):
        endpoint = db.session.get_one(WebhookEndpoint, webhook_id, populate_existing=True)
        return _render_endpoint(event, endpoint, secret=secret)

    return _act(event_id, webhook_id, endpoints.rotate_secret, webhook_id, keep, then=show)


@bp.post("/curate/events/<int:event_id>/webhooks/<int:webhook_id>/remove")
@editor_required
def remove_webhook(event_id: int, webhook_id: int):
    """Remove the endpoint and its log, once the editor ticked that they mean it."""
    if request.form.get("confirm") != "yes":
        event = curated_event(event_id)
        refusal = Invalid("Tick the box to confirm the removal.", {"confirm": "not ticked"})
        return _render_endpoint(event, _endpoint(event, webhook_id), refusal)
    to_list = lambda event, _: redirect(url_for("editor.webhooks", event_id=event.id))  # noqa: E731
    return _act(event_id, webhook_id, endpoints.delete_endpoint, webhook_id, then=to_list)


@bp.post("/curate/events/<int:event_id>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>")
@editor_required
def redeliver_webhook(event_id: int, webhook_id: int, delivery_id: int):
    """Send one delivery again with the same delivery id; the log shows how it went."""
    return _act(event_id, webhook_id, endpoints.redeliver, delivery_id, webhook_id)
