"""Hub curation and blog settings: features, the lead slot, the summary, new blogs, their order.

Each action names the event it curates; ids of another event's objects are not
found. Every reader-visible change is recorded on the event's hub stream.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from blog.actions.agenda import in_event_days, slug_field, text_field, venue_time
from blog.actions.load import (
    as_id,
    blog_of,
    curator_of,
    entry_of,
    feature_of,
    load_event,
    lock_blog,
    require_open,
    session_of,
)
from blog.actions.stream import (
    audit,
    commit_and_push,
    lock_event,
    record_event_change,
    write_action,
)
from blog.content import hub
from blog.content.rendering import RenderError, clean_text, render_markdown
from blog.live import hub_payloads, payloads
from blog.models import ORDER_NEWEST, ORDER_OLDEST, EntryStatus, Event, HubFeature, LiveBlog, User
from blog.platform import db
from blog.platform.errors import Invalid

MAX_FEATURES = 12
MAX_SUMMARY_CHARS = 3_000
ORDERS = (ORDER_NEWEST, ORDER_OLDEST)


@dataclass(slots=True, kw_only=True)
class BlogInput:
    """A blog's settings as typed; the slug is set once, at creation."""

    title: str = ""
    slug: str = ""
    description: str = ""
    session_id: str | int | None = None
    default_order: str = ORDER_NEWEST
    starts_at: str = ""


# ---- blogs ------------------------------------------------------------------


def _validate_blog(event: Event, data: BlogInput, creating: bool) -> dict:
    errors: dict[str, str] = {}
    clean = {
        "title": text_field(data.title, "title", 200, errors, "A live blog needs a title."),
        "description": text_field(data.description, "description", 2_000, errors),
        "default_order": data.default_order,
        "starts_at": venue_time(data.starts_at, event.tz, "starts_at", errors, required=False),
    }
    if creating:
        clean["slug"] = slug_field(data.slug, errors)
    if data.default_order not in ORDERS:
        errors["default_order"] = "Choose newest first or oldest first."
    if clean["starts_at"] is not None:
        in_event_days(event, clean["starts_at"], "starts_at", errors)
    if errors:
        raise Invalid("The blog was not saved: " + " ".join(errors.values()), errors)
    session_id = as_id(data.session_id)
    clean["session_id"] = session_of(event, session_id).id if session_id else None
    return clean


def _check_blog_slug_free(event: Event, slug: str) -> None:
    stmt = select(LiveBlog.id).where(LiveBlog.event_id == event.id, LiveBlog.slug == slug)
    if db.session.scalar(stmt) is not None:
        message = f"This event already has a blog with the slug {slug!r}."
        raise Invalid(message, {"slug": message})


@write_action
def save_blog(user: User, event_id: int, blog_id: int | None, data: BlogInput) -> LiveBlog:
    """Create a scheduled blog in the event, or change an open blog's settings.

    Settings: title, description, the agenda session it covers, its default
    order (newest first, or oldest first for a talk or a Q&A) and planned start.
    """
    db.begin_write()
    actor, event = curator_of(user, event_id, lock=False)
    if blog_id is not None:
        lock_blog(as_id(blog_id) or 0)  # blog before event: the order every writer keeps
    lock_event(event.id)
    event = load_event(event.id)
    blog = blog_of(event, blog_id) if blog_id is not None else None
    if blog is not None:
        require_open(blog)
    clean = _validate_blog(event, data, creating=blog is None)
    if blog is None:
        _check_blog_slug_free(event, clean["slug"])
        blog = LiveBlog(event_id=event.id, **clean)
        db.session.add(blog)
        changed = set(clean)
    else:
        changed = {k for k, v in clean.items() if getattr(blog, k) != v}
        for name in changed:
            setattr(blog, name, clean[name])
    if not changed:
        db.session.commit()
        return blog
    db.session.flush()
    what = "blog.create" if blog_id is None else "blog.edit"
    audit(actor, what, "blog", blog.id, event.id, fields=sorted(changed))
    changes = [
        record_event_change(event, payloads.BLOG_CHANGED, {"blog": payloads.blog_card(blog)})
    ]
    commit_and_push(changes + _features_if_changed(event))
    return blog


def _features_if_changed(event: Event) -> list:
    payload = hub_payloads.changed_payload(event, payloads.HUB_FEATURES_CHANGED)
    if payload is None:
        return []
    return [record_event_change(event, payloads.HUB_FEATURES_CHANGED, payload)]


# ---- hub features -----------------------------------------------------------


@write_action
def feature_on_hub(
    user: User, event_id: int, *, blog_id=None, entry_id=None, lead: bool = False
) -> HubFeature:
    """Feature a blog or a published entry of the event on its hub, last in order (or as lead)."""
    db.begin_write()
    actor, event = curator_of(user, event_id, lock=False)
    if (blog_id is None) == (entry_id is None):
        raise Invalid("Feature either a blog or an entry.")
    # The featured blog, then the event (the order every writer keeps); then
    # _new_feature re-reads, as the entry may have been retracted meanwhile.
    target = blog_of(event, blog_id) if blog_id is not None else entry_of(event, entry_id).blog
    lock_blog(target.id)
    lock_event(event.id)
    feature = _new_feature(event, blog_id, entry_id)
    features = hub.features_of(event)
    if len(features) >= MAX_FEATURES:
        raise Invalid(f"The hub features at most {MAX_FEATURES} items; remove one first.")
    feature.position = max((f.position for f in features), default=0) + 1
    db.session.add(feature)
    db.session.flush()
    if lead:
        _make_lead(features + [feature], feature)
    audit(actor, "hub.feature", "hub_feature", feature.id, event.id, kind=_kind(feature))
    commit_and_push(_features_if_changed(event))
    return feature


def _new_feature(event: Event, blog_id, entry_id) -> HubFeature:
    if blog_id is not None:
        blog = blog_of(event, blog_id)
        taken = HubFeature.blog_id == blog.id
        feature = HubFeature(event_id=event.id, blog_id=blog.id)
    else:
        entry = entry_of(event, entry_id)
        if entry.status != EntryStatus.PUBLISHED:
            raise Invalid("Only a published entry can be featured on the hub.")
        taken = HubFeature.entry_id == entry.id
        feature = HubFeature(event_id=event.id, entry_id=entry.id)
    stmt = select(func.count()).where(HubFeature.event_id == event.id, taken)
    if db.session.scalar(stmt):
        raise Invalid("That is already featured on the hub.")
    return feature


def _kind(feature: HubFeature) -> str:
    return "entry" if feature.entry_id else "blog"


def _make_lead(features: list[HubFeature], lead: HubFeature | None) -> None:
    for feature in features:
        feature.is_lead = feature is lead


@write_action
def unfeature(user: User, event_id: int, feature_id: int) -> None:
    """Take a feature off the hub; the others close up in order."""
    db.begin_write()
    actor, event = curator_of(user, event_id)
    feature = feature_of(event, feature_id)
    audit(actor, "hub.unfeature", "hub_feature", feature.id, event.id, kind=_kind(feature))
    db.session.delete(feature)
    db.session.flush()
    _renumber(hub.features_of(event))
    commit_and_push(_features_if_changed(event))


def _renumber(features: list[HubFeature]) -> None:
    for position, feature in enumerate(features, start=1):
        feature.position = position


@write_action
def reorder_features(user: User, event_id: int, feature_ids: list[int]) -> None:
    """Put the hub's features in the given order; the list must name each exactly once."""
    db.begin_write()
    actor, event = curator_of(user, event_id)
    features = {f.id: f for f in hub.features_of(event)}
    wanted = [i for i in map(as_id, feature_ids) if i is not None]
    if len(wanted) != len(feature_ids) or sorted(wanted) != sorted(features):
        raise Invalid("The features changed meanwhile; reload the page and try again.")
    if wanted == list(features):
        db.session.commit()
        return
    _renumber([features[i] for i in wanted])
    audit(actor, "hub.reorder", "event", event.id, event.id, order=wanted)
    commit_and_push(_features_if_changed(event))


@write_action
def set_lead_feature(user: User, event_id: int, feature_id: int | None) -> None:
    """Put one feature in the hub's lead slot, or empty the slot (feature_id None)."""
    db.begin_write()
    actor, event = curator_of(user, event_id)
    lead = feature_of(event, feature_id) if feature_id is not None else None
    features = hub.features_of(event)
    if all(f.is_lead == (f is lead) for f in features):
        db.session.commit()
        return
    _make_lead(features, lead)
    audit(actor, "hub.lead", "event", event.id, event.id, feature_id=lead.id if lead else None)
    commit_and_push(_features_if_changed(event))


# ---- the editor's summary -----------------------------------------------------


@write_action
def set_hub_summary(user: User, event_id: int, source: str) -> Event:
    """Replace the hub's "what you need to know" summary (Markdown)."""
    db.begin_write()
    actor, event = curator_of(user, event_id)
    source = clean_text(source or "").strip()
    if len(source) > MAX_SUMMARY_CHARS:
        message = f"Keep the summary short: at most {MAX_SUMMARY_CHARS} characters."
        raise Invalid(message, {"summary": message})
    try:
        html = render_markdown(source) if source else ""
    except RenderError as exc:
        raise Invalid(str(exc), {"summary": str(exc)}) from exc
    if source == event.summary_source:
        db.session.commit()
        return event
    event.summary_source, event.summary_html = source, html
    audit(actor, "hub.summary", "event", event.id, event.id, chars=len(source))
    payload = hub_payloads.summary_payload(event)
    commit_and_push([record_event_change(event, payloads.HUB_SUMMARY_CHANGED, payload)])
    return event
