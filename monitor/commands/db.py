"""``planwatch db``: create, upgrade and inspect the database schema."""

from __future__ import annotations

import click

from monitor.context import AppContext, pass_app
from store.engine import make_engine, normalise_url, sqlite_file
from store.migrate import current_revision, head_revision, upgrade

__all__ = ["command"]


@click.group(name="db")
def command() -> None:
    """Create or upgrade the database schema.

    \b
    Example:
      planwatch db upgrade
      PLANWATCH_DATABASE_URL=postgresql+psycopg://planwatch@127.0.0.1/planwatch planwatch db upgrade
    """


@command.command(name="upgrade")
@pass_app
def upgrade_command(app: AppContext) -> None:
    """Create the tables, or bring them up to this version of planwatch.

    Safe to run at any time: on an up-to-date database it changes nothing.

    \b
    Example:
      planwatch db upgrade
    """
    app.config.ensure_data_dir()
    engine = make_engine(app.config.database_url)
    before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"{where}: already at revision {after}, nothing to do")
    else:
        click.echo(f"{where}: upgraded from {before or 'an empty database'} to revision {after}")


@command.command(name="current")
@pass_app
def current_command(app: AppContext) -> None:
    """Show the schema revision of the database and of this code.

    \b
    Example:
      planwatch db current
    """
    url = app.config.database_url
    path = sqlite_file(normalise_url(url, create_dirs=False))
    if path is not None and not path.is_file():  # reading the revision creates nothing
        click.echo(f"database: (no file {path} yet; `planwatch db upgrade` creates it)")
    else:
        click.echo(f"database: {current_revision(make_engine(url, readonly=True)) or '(empty)'}")
    click.echo(f"code:     {head_revision()}")
