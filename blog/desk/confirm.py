"""A second step before a click a newsroom cannot take back: a plain page, no script needed."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template, request

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


@dataclass
class Confirmation:
    """What the confirm page asks: the question, what happens, and where each answer goes."""

    title: str
    consequence: str
    action: str
    button: str
    cancel_url: str
    fields: dict[str, str] = field(default_factory=dict)
    excerpt: str = ""


def confirmed() -> bool:
    """True when the form came from the confirm page's button."""
    return request.form.get(CONFIRM_FIELD) == CONFIRM_VALUE


def ask(confirmation: Confirmation):
    """The confirm page: the danger button posts again with the confirmation; Cancel goes back."""
    return render_template("confirm.html", ask=confirmation, confirm_field=CONFIRM_FIELD)
