"""The editor's screens: events, agenda, blogs, hub features, people, tokens, review, records."""

from flask import Blueprint

bp = Blueprint("editor", __name__)
