"""Every error planwatch raises on purpose, in one tree.

The CLI turns any :class:`PlanwatchError` into one line (``error: ...``) plus the
``hint`` (what to do next) and a non-zero exit code; nothing else should reach the
user as a traceback. Errors carry the context a user needs to act: the source id,
the URL, the version id, the file.

::

    PlanwatchError                      exit code 2 unless stated
     ├── ConfigError                    a setting or a sources entry is wrong
     ├── InputError                     a file given on the command line is unreadable
     ├── NotFound                       an id or URL that is not in the store
     ├── StoreError                     the database refused
     │    ├── DatabaseUnavailable       cannot connect (server down, bad URL)   exit 3
     │    └── SchemaOutdated            tables missing or older than the code
     ├── FetchError                     a page could not be fetched or read
     ├── DeliveryError                  the SMTP server refused or was unreachable  exit 4
     ├── LockHeld                       another cycle holds the lock            exit 5
     └── AddressInUse                   `serve`: the port is taken               exit 6
"""

from __future__ import annotations

__all__ = [
    "AddressInUse",
    "ConfigError",
    "DatabaseUnavailable",
    "DeliveryError",
    "FetchError",
    "InputError",
    "LockHeld",
    "NotFound",
    "PlanwatchError",
    "SchemaOutdated",
    "StoreError",
]


class PlanwatchError(Exception):
    """Base of all planwatch errors: a message and a hint on what to do next."""

    exit_code: int = 2
    default_hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None, details: tuple[str, ...] = ()) -> None:
        super().__init__("\n".join((message, *details)))
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.details = details

    def one_line(self) -> str:
        """The message and the hint on one line, the way the CLI prints them.

        An error that found several problems at once (a sources file) adds one
        indented line per problem below it.
        """
        text = f"{self.message} ({self.hint})" if self.hint else self.message
        return "\n  ".join(" ".join(line.split()) for line in (text, *self.details))


class ConfigError(PlanwatchError):
    """A setting, the config file or a sources entry is invalid."""

    def __init__(
        self,
        message: str,
        *,
        source_id: str | None = None,
        field: str | None = None,
        path: str | None = None,
        hint: str | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        where = []
        if path:
            where.append(str(path))
        if source_id:
            where.append(f"source {source_id!r}")
        if field:
            where.append(f"field {field!r}")
        prefix = ": ".join([", ".join(where)]) + ": " if where else ""
        super().__init__(prefix + message, hint=hint, details=details)
        self.source_id = source_id
        self.field = field
        self.path = path


class InputError(PlanwatchError):
    """A file or argument given by the user cannot be used."""


class NotFound(PlanwatchError):
    """An id or URL that the store does not hold."""

    default_hint = "list what is stored with `planwatch documents`"


class StoreError(PlanwatchError):
    """The database refused an operation."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached."""

    exit_code = 3
    default_hint = (
        "check that the database server is running and PLANWATCH_DATABASE_URL is right; "
        "nothing is half-written: run it again once the database is back"
    )


class SchemaOutdated(StoreError):
    """The database has no tables yet, or older ones than this code expects."""

    default_hint = "run `planwatch db upgrade`"


class FetchError(PlanwatchError):
    """A page could not be fetched or decoded."""

    def __init__(self, message: str, *, url: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"{url}: {message}" if url else message, hint=hint)
        self.url = url


class DeliveryError(PlanwatchError):
    """The mail server refused a message or could not be reached."""

    exit_code = 4
    default_hint = ("the digest stays in the outbox and is retried once its back-off has passed "
                    "(`planwatch digest --send --retry-now` retries it at once)")


class LockHeld(PlanwatchError):
    """Another planwatch cycle is running on this data directory."""

    exit_code = 5
    default_hint = "wait for it to finish, or pass --wait to queue behind it"


class AddressInUse(PlanwatchError):
    """``planwatch serve`` cannot listen: something else already uses the port."""

    exit_code = 6
    default_hint = "pass another --port or set web.port, or stop what listens there"
