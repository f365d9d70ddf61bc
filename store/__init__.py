"""planwatch's store: settings, errors, models, engine, migrations, versions.

Imports nothing of the other planwatch packages (checked by import-linter).
"""

from __future__ import annotations

from store.database import open_store
from store.engine import make_engine, session_scope
from store.errors import PlanwatchError
from store.settings import Config, load_config

__all__ = ["Config", "PlanwatchError", "load_config", "make_engine", "open_store", "session_scope"]
