"""The hub's features: what the editor features on an event's hub, in which order, and the lead.

Each action names the event it curates; ids of another event's objects are not
found. A change of what readers see is recorded on the event's hub stream.
"""

from __future__ import annotations

from sqlalchemy import func, select

from blog.actions.load import (
    as_id,
    blog_of,
    curator_of,
    entry_of,
    feature_of,
    load_event,
    lock_blog,
)
from blog.actions.stream import (
    audit,
    commit_and_push,
    lock_event,
    record_event_change,
    write_action,
)
from blog.content import hub
from blog.live import hub_payloads, payloads
from blog.models import EntryStatus, Event, HubFeature, User
from blog.platform import db
from blog.platform.errors import Invalid

MAX_FEATURES = 12


def feature_changes(event: Event) -> list:
    """The hub change to record if the features readers see changed; else none."""
    payload = hub_payloads.changed_payload(event, payloads.HUB_FEATURES_CHANGED)
    if payload is None:
        return []
    return [record_event_change(event, payloads.HUB_FEATURES_CHANGED, payload)]


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
    commit_and_push(feature_changes(event))
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
    commit_and_push(feature_changes(event))


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
    commit_and_push(feature_changes(event))


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
    commit_and_push(feature_changes(event))


@write_action
def set_features(user: User, event_id: int, wanted: list[dict]) -> list[HubFeature]:
    """Make the hub's features exactly `wanted`, in its order: each {"blog_id"} or {"entry_id"}.

    One item may carry "lead": true. Features kept keep their ids; the desk's audit
    records are written for what is added, removed, moved and made lead.
    """
    db.begin_write()
    actor, event = curator_of(user, event_id, lock=False)
    targets = _targets(wanted)
    # Every named blog, then the event: the lock order every writer keeps.
    for blog_id in sorted({_blog_id_of(event, kind, oid) for kind, oid in targets}):
        lock_blog(blog_id)
    lock_event(event.id)
    event = load_event(event.id)
    current = {_target_of(f): f for f in hub.features_of(event)}
    old_order = [f.id for f in current.values()]
    for gone in [f for t, f in current.items() if t not in targets]:
        audit(actor, "hub.unfeature", "hub_feature", gone.id, event.id, kind=_kind(gone))
        db.session.delete(gone)
    features = [current.get(t) or _added(actor, event, t) for t in targets]
    _renumber(features)
    kept = [f.id for f in features if f.id in old_order]
    if kept != [i for i in old_order if i in kept]:
        audit(actor, "hub.reorder", "event", event.id, event.id, order=[f.id for f in features])
    lead = next((f for f, w in zip(features, wanted, strict=True) if w.get("lead")), None)
    if any(f.is_lead != (f is lead) for f in features):
        _make_lead(features, lead)
        audit(actor, "hub.lead", "event", event.id, event.id, feature_id=lead.id if lead else None)
    commit_and_push(feature_changes(event))
    return features


def _targets(wanted: list[dict]) -> list[tuple[str, int]]:
    """("blog"|"entry", id) of each wanted item, refused unless well formed and distinct."""
    if len(wanted) > MAX_FEATURES:
        raise Invalid(f"The hub features at most {MAX_FEATURES} items.")
    targets = []
    for item in wanted:
        kinds = [k for k in ("blog_id", "entry_id") if item.get(k) is not None]
        oid = as_id(item.get(kinds[0])) if len(kinds) == 1 else None
        if oid is None:
            raise Invalid("Each feature names either a blog_id or an entry_id.")
        targets.append((kinds[0].removesuffix("_id"), oid))
    if len(set(targets)) != len(targets):
        raise Invalid("A blog or an entry can be featured only once.")
    if sum(bool(item.get("lead")) for item in wanted) > 1:
        raise Invalid("Only one feature can be the lead.")
    return targets


def _target_of(feature: HubFeature) -> tuple[str, int]:
    if feature.entry_id:
        return ("entry", feature.entry_id)
    return ("blog", feature.blog_id or 0)


def _blog_id_of(event: Event, kind: str, object_id: int) -> int:
    return blog_of(event, object_id).id if kind == "blog" else entry_of(event, object_id).blog_id


def _added(actor: User, event: Event, target: tuple[str, int]) -> HubFeature:
    kind, object_id = target
    feature = _new_feature(event, *((object_id, None) if kind == "blog" else (None, object_id)))
    feature.position = 0  # set in order by _renumber, before anything is flushed
    db.session.add(feature)
    db.session.flush()
    audit(actor, "hub.feature", "hub_feature", feature.id, event.id, kind=kind)
    return feature
