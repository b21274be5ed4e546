"""Command-line tasks: migrations, the demo, events, blogs, roster, accounts, tokens."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from blog import actions
from blog.actions.tokens import expiry_of, token_by_secret
from blog.content import queries
from blog.models import ApiToken, BlogStatus, Role, User
from blog.platform import db
from blog.platform.errors import ActionError
from blog.platform.i18n import DEFAULT_LOCALE, LOCALES
from blog.platform.migrate import upgrade

db_cli = AppGroup("db", help="Database schema.")
event_cli = AppGroup("event", help="Events and their live blogs.")
user_cli = AppGroup("user", help="Accounts, assignments and API tokens.")


def _run(func, *args, **kwargs):
    """Run an action and turn its refusal into a clean CLI error."""
    try:
        return func(*args, **kwargs)
    except ActionError as exc:
        raise click.ClickException(exc.message) from exc


def _event(slug: str):
    event = queries.event_by_slug(slug)
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    return event


def _user(email: str) -> User:
    user = queries.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


@db_cli.command("upgrade")
def db_upgrade():
    """Create or migrate the database schema to the newest revision."""
    from flask import current_app

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database schema is up to date.")


@event_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--starts", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--ends", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--venue", default="")
@click.option("--city", default="")
@click.option(
    "--locale",
    type=click.Choice(list(LOCALES)),
    default=DEFAULT_LOCALE,
    show_default=True,
    help="Readers' language and date style; a reader's Accept-Language may choose another.",
)
def event_create(slug, name, starts, ends, timezone, venue, city, locale):
    """Create an event."""
    dates = (starts.date(), ends.date())
    details = {"venue": venue, "city": city, "locale": locale}
    _run(actions.create_event, slug, name, *dates, timezone, **details)
    click.echo(f"Created event {slug}.")


@event_cli.command("add-blog")
@click.argument("event_slug")
@click.argument("blog_slug")
@click.option("--title", required=True)
def event_add_blog(event_slug, blog_slug, title):
    """Add a live blog to an event (it starts as scheduled)."""
    blog = _run(actions.create_blog, _event(event_slug), blog_slug, title)
    click.echo(f"Created blog {event_slug}/{blog.slug} (id {blog.id}), scheduled.")


@event_cli.command("set-status")
@click.argument("event_slug")
@click.argument("blog_slug")
@click.argument("status", type=click.Choice([s.value for s in BlogStatus]))
@click.option("--as", "email", required=True, help="Email of the editor doing it.")
def event_set_status(event_slug, blog_slug, status, email):
    """Set a blog live or ended; an ended blog can be set live again."""
    blog = queries.blog_by_slugs(event_slug, blog_slug)
    if blog is None:
        raise click.ClickException(f"No blog {event_slug}/{blog_slug}.")
    _run(actions.set_blog_status, _user(email), blog.id, BlogStatus(status))
    click.echo(f"{event_slug}/{blog_slug} is now {status}.")


@event_cli.command("add-speaker")
@click.argument("event_slug")
@click.option("--name", required=True)
@click.option("--title", default="")
@click.option("--organization", default="")
def event_add_speaker(event_slug, name, title, organization):
    """Add a speaker to an event's roster."""
    speaker = _run(actions.add_speaker, _event(event_slug), name, title, organization)
    click.echo(f"Added speaker {speaker.attribution} (id {speaker.id}).")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="reporter")
@click.password_option()
def user_create(email, name, role, password):
    """Create an account."""
    _run(actions.create_user, email, name, password, Role(role))
    click.echo(f"Created {role} {email}.")


@user_cli.command("assign")
@click.argument("email")
@click.argument("event_slug")
def user_assign(email, event_slug):
    """Assign a reporter or contributor to an event."""
    _run(actions.assign_user, _user(email), _event(event_slug))
    click.echo(f"{email} may now post to {event_slug}.")


@user_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", help="A label to recognise the token by.")
@click.option("--event", "event_slug", default=None, help="Limit the token to this event.")
@click.option("--days", type=int, default=None, help="Lifetime in days (default API_TOKEN_DAYS).")
def user_token(email, name, event_slug, days):
    """Create an API token; it is shown once and stored only as a hash."""
    event_id = _event(event_slug).id if event_slug else None
    token = _run(actions.create_api_token, _user(email), name, event_id, days)
    # The token alone on stdout, so a script can capture it; the rest to stderr.
    click.echo(token)
    row = token_by_secret(token)
    if row is None:
        raise click.ClickException("The new token could not be read back from the database.")
    scope = f", limited to {event_slug}" if event_slug else ""
    click.echo(f"Token {row.id} expires {expiry_of(row):%Y-%m-%d %H:%M} UTC{scope}.", err=True)


@user_cli.command("revoke-token")
@click.argument("token_id", type=int)
def user_revoke_token(token_id):
    """Revoke an API token by its id (shown when it was created and on the token pages)."""
    token = _token_or_fail(token_id)
    _run(actions.revoke_api_token, token.user, token_id)
    click.echo(f"Revoked token {token_id} ({token.name}) of {token.user.email}.")


def _token_or_fail(token_id: int):
    """The token with this id, or a clean CLI error."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No API token with the id {token_id}.")
    return token


def register(app: Flask) -> None:
    """Attach the command groups to the app's `flask` CLI."""
    from blog.archive.demo import demo_command
    from blog.webhooks.runner import webhooks_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(event_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(webhooks_cli)


@event_cli.command("export")
@click.argument("slug")
def event_export(slug):
    """Write an event's whole coverage as JSON to standard output."""
    import json

    from blog.archive.export import export_event

    click.echo(json.dumps(export_event(_event(slug)), ensure_ascii=False, indent=1))


@event_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def event_import(file):
    """Create an event from a JSON export (from `event export` or the editors' download)."""
    import json

    from blog.archive.importer import import_event

    try:
        data = json.load(file)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"Not JSON: {exc}") from exc
    event = _run(import_event, data)
    click.echo(f"Imported event {event.slug} (id {event.id}).")


@event_cli.command("archive")
@click.argument("slug")
@click.argument("outdir", type=click.Path(file_okay=False))
def event_archive(slug, outdir):
    """Write a static HTML archive of an event (plain pages and CSS) into an empty folder."""
    from pathlib import Path

    from blog.archive.static_site import write_archive

    try:
        pages = write_archive(_event(slug), Path(outdir))
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {len(pages)} pages to {outdir}; open index.html.")
