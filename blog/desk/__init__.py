"""The reporter desk: its pages and the staff login (blueprint "desk").

Its JSON routes (json_routes.py) and photo uploads (uploads.py) answer errors as JSON, so each
has a blueprint of its own.
"""

from flask import Blueprint

bp = Blueprint("desk", __name__)
