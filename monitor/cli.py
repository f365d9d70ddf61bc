"""The ``planwatch`` command: a lazy click group over one module per subcommand.

Subcommands are listed in :data:`monitor.commands.COMMANDS` (name → module, summary)
and imported only when run, so ``planwatch --help`` stays fast and a broken optional
part cannot break the others. :func:`main` turns every planwatch error into one
line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from monitor.commands import COMMANDS
from monitor.context import AppContext
from store.errors import DatabaseUnavailable, PlanwatchError

__all__ = ["cli", "main"]


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"monitor.commands.{entry.module}")
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry.summary) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (TOML). Default: $PLANWATCH_CONFIG, else ./planwatch.toml if present.",
)
@click.version_option(package_name="planwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """planwatch: watch Chinese health-plan pages and report what changed.

    \b
    First steps:
      planwatch demo                  # everything, offline, on a bundled fixture site
      planwatch db upgrade            # create the database
      planwatch sources list          # what the sources config says
      planwatch crawl                 # fetch every enabled source once
    """
    ctx.obj = AppContext(config_path=config_path)


def _database_error(exc: Exception) -> DatabaseUnavailable | None:
    """A DBAPI connection failure that escaped a command, as a planwatch error."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return None
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return DatabaseUnavailable(f"database error: {' '.join(text.split())}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; planwatch errors become one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result: Any = cli.main(args=args, prog_name="planwatch", standalone_mode=False)
    except PlanwatchError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:
        database = _database_error(exc)
        if database is None:
            raise
        click.echo(f"error: {database.one_line()}", err=True)
        return database.exit_code
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
