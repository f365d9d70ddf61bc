"""planwatch's store: settings, errors, models, engine, migrations, versions.

Imports nothing of the other planwatch packages (checked by import-linter). Import the
submodules you need (``store.models``, ``store.engine`` ...): this package itself stays
empty so that ``planwatch --help`` does not pay for SQLAlchemy.
"""
