"""Every write use case: check rights and rules, write rows and change rows, commit, push."""

from blog.actions.accounts import assign_user, create_user, end_sessions
from blog.actions.agenda import EventInput, SessionInput, remove_session, save_event, save_session
from blog.actions.blogs import create_blog, create_event, set_blog_status
from blog.actions.curation import BlogInput, save_blog, set_hub_summary
from blog.actions.display_time import set_display_time
from blog.actions.entries import edit_entry, mark_key_entry, pin_entry, post_entry, retract_entry
from blog.actions.entry_input import EntryInput
from blog.actions.features import (
    feature_on_hub,
    reorder_features,
    set_features,
    set_lead_feature,
    unfeature,
)
from blog.actions.lifecycle import (
    Placement,
    create_batch,
    publish_entry,
    release_batch,
    release_due,
)
from blog.actions.media import attach_media, upload_media
from blog.actions.moderation import approve_entry, resubmit_entry, return_entry
from blog.actions.people import (
    assign_to_event,
    change_own_password,
    change_role,
    deactivate_user,
    invite_user,
    issue_password_link,
    reactivate_user,
    set_password_with_token,
    unassign_from_event,
)
from blog.actions.roster import add_speaker, edit_speaker, rename_organization
from blog.actions.tokens import create_api_token, hash_token, revoke_api_token

__all__ = [
    "BlogInput",
    "EventInput",
    "SessionInput",
    "feature_on_hub",
    "remove_session",
    "reorder_features",
    "save_blog",
    "save_event",
    "save_session",
    "set_features",
    "set_hub_summary",
    "set_lead_feature",
    "unfeature",
    "EntryInput",
    "Placement",
    "add_speaker",
    "approve_entry",
    "assign_to_event",
    "change_own_password",
    "change_role",
    "deactivate_user",
    "invite_user",
    "issue_password_link",
    "reactivate_user",
    "resubmit_entry",
    "return_entry",
    "set_password_with_token",
    "unassign_from_event",
    "assign_user",
    "create_api_token",
    "create_batch",
    "create_blog",
    "create_event",
    "create_user",
    "edit_entry",
    "edit_speaker",
    "rename_organization",
    "end_sessions",
    "hash_token",
    "mark_key_entry",
    "pin_entry",
    "publish_entry",
    "post_entry",
    "release_batch",
    "release_due",
    "retract_entry",
    "revoke_api_token",
    "set_blog_status",
    "set_display_time",
    "attach_media",
    "upload_media",
]
