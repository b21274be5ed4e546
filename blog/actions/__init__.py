"""Every write use case: check rights and rules, write rows and change rows, commit, push."""

from .accounts import add_speaker, assign_user, create_api_token, create_user, hash_token
from .blogs import create_blog, create_event, set_blog_status
from .entries import edit_entry, mark_key_entry, pin_entry, post_entry, retract_entry
from .entry_input import EntryInput
from .lifecycle import (
    Placement,
    create_batch,
    publish_entry,
    release_batch,
    release_due,
)

__all__ = [
    "EntryInput",
    "Placement",
    "add_speaker",
    "assign_user",
    "create_api_token",
    "create_batch",
    "create_blog",
    "create_event",
    "create_user",
    "edit_entry",
    "hash_token",
    "mark_key_entry",
    "pin_entry",
    "publish_entry",
    "post_entry",
    "release_batch",
    "release_due",
    "retract_entry",
    "set_blog_status",
]
