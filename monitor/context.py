"""What every subcommand shares: the resolved config and the store it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

from store.settings import Config, load_config

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["AppContext", "pass_app"]


@dataclass
class AppContext:
    """Lazily loaded config and engines, so commands that need neither stay fast."""

    config_path: Path | None = None
    _engines: dict[bool, Engine] = field(default_factory=dict)

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)

    def engine(self, *, readonly: bool = False, check_schema: bool = True) -> Engine:
        """The store's engine; SchemaOutdated tells the user to run `db upgrade`."""
        from store.database import open_store  # SQLAlchemy only for commands that use the store

        if readonly not in self._engines:
            self._engines[readonly] = open_store(self.config, readonly=readonly, check_schema=check_schema)
        return self._engines[readonly]


pass_app = click.make_pass_decorator(AppContext)
