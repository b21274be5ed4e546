"""Readers' pages: events, hubs, live blogs, permalinks, roster, search, feeds and the embed."""

from flask import Blueprint

from blog.readers.l10n import script_table

bp = Blueprint("readers", __name__)
bp.add_app_template_global(script_table, "l10n_table")
