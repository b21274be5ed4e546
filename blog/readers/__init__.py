"""Readers' pages: events, hubs, live blogs, permalinks, roster, search, feeds and the embed."""

from flask import Blueprint

bp = Blueprint("readers", __name__)
