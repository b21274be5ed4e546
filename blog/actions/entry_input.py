"""Validation of what a writer submits for an entry, before any row is touched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from blog.content.linkcards import EmbedError, embed_card
from blog.content.rendering import RenderError, clean_text, contains_link, render_markdown
from blog.models import EntryKind, Event, Media, Speaker, Tag
from blog.models.base import MAX_ID
from blog.platform import db
from blog.platform.errors import Invalid

MAX_HEADLINE_CHARS = 200
MAX_CONTEXT_CHARS = 1_000
MAX_TAGS = 8
MAX_TAG_CHARS = 40
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A photo or a link card can stand without text; text and quotes cannot.
TEXT_OPTIONAL = (EntryKind.IMAGE, EntryKind.EMBED)


@dataclass(slots=True, kw_only=True)
class EntryInput:
    """What a writer sent for one entry, as plain values."""

    kind: str = EntryKind.TEXT.value
    source: str = ""
    headline: str = ""
    speaker_id: int | str | None = None  # a form sends the id as text
    tags: list[str] | str = field(default_factory=list)  # or comma-separated
    # None: not said, so a new entry is not key and an edit keeps the entry's flag.
    is_key: bool | None = None
    # Shown to readers under an edited entry, e.g. "Corrected the price".
    correction_note: str = ""
    # Image entries: an uploaded photo of the event; none yet shows "Photo coming…".
    # Embed entries: an optional thumbnail for the card.
    media_id: int | str | None = None
    # Embed entries: the pasted link and an optional title typed by the writer.
    embed_url: str = ""
    embed_title: str = ""
    # Quote entries: an optional paragraph setting the scene, shown outside the quotation.
    context: str = ""
    # User ids sharing the byline; None: not said, so an edit keeps the entry's co-authors.
    coauthor_ids: list | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidEntry:
    """An entry input that passed every rule, with its HTML rendered."""

    kind: EntryKind
    source: str
    html: str
    headline: str
    speaker: Speaker | None
    tag_names: list[str]
    is_key: bool
    correction_note: str = ""
    media: Media | None = None
    embed_url: str | None = None
    embed: dict | None = None
    context: str = ""
    context_html: str = ""


def check_idempotency_key(key: str | None) -> str:
    """Refuse a missing or malformed client-made idempotency key."""
    # fullmatch: match() with "$" would let a trailing newline through.
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.fullmatch(key):
        raise Invalid(
            "Each new entry needs an idempotency key of 8–64 letters, digits, '-' or '_'.",
            {"idempotency_key": "missing or malformed"},
        )
    return key


@dataclass(frozen=True, slots=True)
class CheckedInput:
    """An entry input that passed every rule needing no row, its Markdown rendered."""

    kind: EntryKind
    source: str
    html: str
    headline: str
    tag_names: list[str]
    correction_note: str
    embed: dict | None
    context: str
    context_html: str


def check_input(data: EntryInput) -> CheckedInput:
    """Apply every rule that needs no row, rendering the Markdown in the worker pool.

    Writers call this before their transaction begins: no database lock is held
    while a worker renders (up to its time bound for hostile input), and a text
    that cannot be saved is refused without waiting for one.
    """
    errors: dict[str, str] = {}
    kind = _check_kind(data.kind, errors)
    source = clean_text(data.source or "").strip()
    headline = clean_text(data.headline or "").strip()
    html = _render_body(source, errors) if source or kind not in TEXT_OPTIONAL else ""
    if len(headline) > MAX_HEADLINE_CHARS:
        errors["headline"] = f"Headline is too long: at most {MAX_HEADLINE_CHARS} characters."
    tags = _check_tags(data.tags, errors)
    note = clean_text(data.correction_note or "").strip()
    if len(note) > MAX_HEADLINE_CHARS:
        errors["correction_note"] = f"Keep the note under {MAX_HEADLINE_CHARS} characters."
    embed = _check_embed(kind, data, errors)
    _check_quote_links(kind, html, errors)
    context = clean_text(data.context or "").strip()
    context_html = _render_context(kind, context, errors)
    _refuse(errors)
    return CheckedInput(
        kind=kind,
        source=source,
        html=html,
        headline=headline,
        tag_names=tags,
        correction_note=note,
        embed=embed,
        context=context,
        context_html=context_html,
    )


def validate_entry(
    event: Event, data: EntryInput, checked: CheckedInput | None = None
) -> ValidEntry:
    """Check an entry input against the rules and the event's roster.

    checked is what check_input made of this same input; without it, the input is checked here.
    """
    checked = checked or check_input(data)
    errors: dict[str, str] = {}
    speaker = _check_speaker(event, checked.kind, data.speaker_id, errors)
    media = _check_media(event, checked.kind, data.media_id, errors)
    _refuse(errors)
    embed = checked.embed
    return ValidEntry(
        kind=checked.kind,
        source=checked.source,
        html=checked.html,
        headline=checked.headline,
        speaker=speaker,
        tag_names=checked.tag_names,
        is_key=bool(data.is_key),
        correction_note=checked.correction_note,
        media=media,
        embed_url=embed["url"] if embed else None,
        embed=embed,
        context=checked.context,
        context_html=checked.context_html,
    )


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid("The entry was not saved: " + " ".join(errors.values()), errors)


def _check_quote_links(kind: EntryKind, html: str, errors: dict[str, str]) -> None:
    # The quotation is the speaker's words and nothing else: a link in it would read as
    # said by them, right before their name.
    if kind == EntryKind.QUOTE and contains_link(html):
        errors["source"] = (
            "A quote holds only the speaker's words: move the link to the context above it."
        )


def _render_context(kind: EntryKind, context: str, errors: dict[str, str]) -> str:
    if not context:
        return ""
    if kind != EntryKind.QUOTE:
        errors["context"] = "Context goes with a quote; for other entries write it in the text."
        return ""
    if len(context) > MAX_CONTEXT_CHARS:
        errors["context"] = f"Keep the context under {MAX_CONTEXT_CHARS} characters."
        return ""
    try:
        return render_markdown(context)
    except RenderError as exc:
        errors["context"] = str(exc)
        return ""


def _check_kind(kind: str, errors: dict[str, str]) -> EntryKind:
    try:
        return EntryKind(kind)
    except ValueError:
        errors["kind"] = "Kind must be 'text', 'quote', 'image' or 'embed'."
        return EntryKind.TEXT


def _render_body(source: str, errors: dict[str, str]) -> str:
    if not source:
        errors["source"] = "Write something first: the text is empty."
        return ""
    try:
        return render_markdown(source)
    except RenderError as exc:
        errors["source"] = str(exc)
        return ""


def _check_speaker(event: Event, kind: EntryKind, speaker_id, errors) -> Speaker | None:
    if kind != EntryKind.QUOTE:
        return None
    if speaker_id in (None, ""):
        errors["speaker_id"] = "A quote needs a speaker from the event's roster."
        return None
    speaker = _speaker_in_event(event, speaker_id)
    if speaker is None:
        errors["speaker_id"] = "That speaker is not on this event's roster."
    return speaker


def _speaker_in_event(event: Event, speaker_id) -> Speaker | None:
    try:
        speaker_id = int(speaker_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < speaker_id <= MAX_ID:  # a larger id would overflow the query
        return None
    speaker = db.session.get(Speaker, speaker_id)
    return speaker if speaker is not None and speaker.event_id == event.id else None


def _check_media(event: Event, kind: EntryKind, media_id, errors) -> Media | None:
    if kind not in (EntryKind.IMAGE, EntryKind.EMBED) or media_id in (None, ""):
        return None
    try:
        media_id = int(media_id)
    except (TypeError, ValueError):
        media_id = 0
    media = db.session.get(Media, media_id) if 0 < media_id < 2**31 else None
    if media is None or media.event_id != event.id:
        errors["media_id"] = "That photo was not uploaded to this event."
        return None
    return media


def _check_embed(kind: EntryKind, data: EntryInput, errors) -> dict | None:
    if kind != EntryKind.EMBED:
        return None
    try:
        return embed_card(data.embed_url, data.embed_title)
    except EmbedError as exc:
        errors["embed_url"] = str(exc)
        return None


def _check_tags(raw: list[str] | str, errors: dict[str, str]) -> list[str]:
    if isinstance(raw, str):
        raw = raw.split(",")
    if raw is None:
        raw = []
    if not isinstance(raw, list | tuple) or not all(isinstance(t, str) for t in raw):
        errors["tags"] = "Tags must be a list of words, or words separated by commas."
        return []
    names = []
    for item in raw:
        name = clean_text(str(item)).strip().lower()
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS or any(len(n) > MAX_TAG_CHARS for n in names):
        errors["tags"] = f"At most {MAX_TAGS} tags of up to {MAX_TAG_CHARS} characters each."
    return names


def resolve_tags(event: Event, names: list[str]) -> list[Tag]:
    """The event's tags of those names, creating the missing ones."""
    if not names:
        return []
    stmt = select(Tag).where(Tag.event_id == event.id, Tag.name.in_(names))
    found = {t.name: t for t in db.session.scalars(stmt)}
    for name in names:
        if name not in found:
            found[name] = Tag(event_id=event.id, name=name)
            db.session.add(found[name])
    return [found[n] for n in names]
