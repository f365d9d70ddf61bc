"""``planwatch config``: every setting, its value and where the value came from."""

from __future__ import annotations

import click

from monitor.commands._output import echo_json, print_table
from monitor.context import AppContext, pass_app
from store.settings import settings_markdown

__all__ = ["command"]


@click.command(name="config")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of a table.")
@click.option("--markdown", is_flag=True, help="Print the settings reference as a Markdown table (as in the README).")
@pass_app
def command(app: AppContext, as_json: bool, markdown: bool) -> None:
    """Show every setting, its value and where it came from (default, file, env).

    Secrets are shown only as (set) or (unset).

    \b
    Example:
      planwatch config
      PLANWATCH_SMTP_PORT=2525 planwatch config --json
    """
    if markdown:
        click.echo(settings_markdown())
        return
    config = app.config
    rows = config.public_items()
    if as_json:
        echo_json({setting.name: {"value": value, "origin": origin, "env": setting.env} for setting, value, origin in rows})
        return
    click.echo(f"config file: {config.path or '(none; defaults and environment)'}")
    print_table(["setting", "value", "from", "environment variable"],
                [(s.name, value, origin, s.env) for s, value, origin in rows])
