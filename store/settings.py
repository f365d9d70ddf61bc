"""The settings table: one row per setting, feeding the TOML loader, the
``PLANWATCH_*`` environment overrides, ``planwatch config`` and the README table.

A setting named ``smtp.host`` lives in the config file as ``host`` under ``[smtp]``
and in the environment as ``PLANWATCH_SMTP_HOST``. Secrets (``secret=True``) are
read from the environment only, so a config file can be committed or shared.

Precedence, lowest first: the default here, the config file, the environment.
The config file is ``--config FILE``, else ``$PLANWATCH_CONFIG``, else
``./planwatch.toml`` when it exists.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.errors import ConfigError

__all__ = ["SETTINGS", "Config", "Setting", "load_config", "settings_markdown"]


@dataclass(frozen=True)
class Setting:
    """One configurable value: its dotted name, default, type and help text."""

    name: str
    default: Any
    help: str
    type: type = str
    secret: bool = False
    choices: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        """The environment variable that overrides it."""
        return "PLANWATCH_" + self.name.upper().replace(".", "_")

    def parse(self, raw: Any, origin: str) -> Any:
        """Coerce a value from TOML or the environment to this setting's type."""
        try:
            value = _coerce(self.type, raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"{origin}: {self.name} must be {self.type.__name__}, got {raw!r}",
                hint=self.help,
            ) from exc
        if self.choices and value not in self.choices:
            raise ConfigError(
                f"{origin}: {self.name} must be one of {', '.join(self.choices)}, got {value!r}"
            )
        return value


def _coerce(kind: type, raw: Any) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(raw)
    if kind is int:
        if isinstance(raw, bool):
            raise TypeError(raw)
        return int(raw)
    if kind is float:
        return float(raw)
    if kind is list:
        if isinstance(raw, list):
            return [str(item) for item in raw]
        return [part.strip() for part in str(raw).split(",") if part.strip()]
    return str(raw)


SETTINGS: tuple[Setting, ...] = (
    # -- where things live
    Setting("data_dir", "./planwatch-data", "Directory for the SQLite file, WARC captures, digests and logs."),
    Setting("database_url", "", "SQLAlchemy URL; empty means the SQLite file <data_dir>/planwatch.db. PostgreSQL: postgresql+psycopg://user@host/db."),
    Setting("sources_file", "sources.toml", "The sources config (TOML, [[sources]] tables); relative paths are taken from the working directory."),
    Setting("timezone", "Asia/Shanghai", "Timezone for schedules and for dates shown to people; the store keeps UTC."),
    Setting("log_level", "INFO", "Log level for stderr and the rotating log file.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    Setting("log_format", "kv", "Log lines as key=value text (kv) or one JSON object per line (json); the file is <data_dir>/logs/planwatch.log.", choices=("kv", "json")),
    # -- crawling
    Setting("crawl.contact_url", "https://example.org/planwatch-contact", "URL or mailto: named in the User-Agent so site operators can reach you."),
    Setting("crawl.user_agent", "planwatch/0.1 (+{contact_url})", "User-Agent header; {contact_url} is filled in."),
    Setting("crawl.concurrency", 16, "Requests in flight at once, all domains together.", int),
    Setting("crawl.per_domain_concurrency", 8, "Requests in flight at once to one domain.", int),
    Setting("crawl.download_timeout", 30, "Seconds before a request is given up (then retried).", int),
    Setting("crawl.retry_times", 2, "Retries for 5xx answers and timeouts, with backoff.", int),
    Setting("crawl.max_response_bytes", 20_000_000, "Responses larger than this are dropped with a log line.", int),
    Setting("crawl.obey_robots", True, "Obey robots.txt.", bool),
    Setting("crawl.autothrottle", True, "Adapt the request rate to the server's latency (Scrapy AutoThrottle).", bool),
    Setting("crawl.time_limit", 3600, "Seconds a crawl of one source may take before it is stopped and recorded as interrupted.", int),
    Setting("crawl.warc_max_bytes", 100_000_000, "Start a new WARC file once the current one is this large.", int),
    Setting("crawl.retry_backoff", 1.0, "Seconds before the first retry of a 5xx answer or timeout; doubles with each further retry (at most 60).", float),
    Setting("crawl.autothrottle_start_delay", 1.0, "AutoThrottle's first delay between requests to one domain, in seconds; it then follows the server's latency.", float),
    Setting("crawl.autothrottle_target_concurrency", 2.0, "AutoThrottle's aim: requests a server should be answering at once.", float),
    Setting("crawl.concurrent_items", 16, "Items processed at once (Scrapy CONCURRENT_ITEMS); 16 measured a third faster than Scrapy's 100.", int),
    Setting("crawl.revalidate", True, "Re-check known pages with a lean conditional-GET pass and start Scrapy only for changed list pages; false: every crawl is a full Scrapy crawl.", bool),
    # -- schedule (daemon and run --once)
    Setting("schedule.crawl", "0 6 * * *", "Default cron expression for sources without their own schedule."),
    Setting("schedule.jitter", 600, "Seconds of random delay added to each scheduled crawl.", int),
    Setting("schedule.misfire_grace", 3600, "Seconds a missed run may still start late (e.g. after a restart).", int),
    Setting("schedule.max_parallel_crawls", 2, "Crawls the daemon runs at once (each in its own process); further due crawls wait.", int),
    # -- digests
    Setting("digest.enabled", True, "Build and send digests in the daemon and in run --once (false: crawl and analyse only).", bool),
    Setting("digest.schedule", "0 8 * * *", "Cron expression for building and sending digests."),
    Setting("digest.send_empty", False, "Send a digest even when nothing is new (a heartbeat).", bool),
    Setting("digest.archive_base_url", "http://127.0.0.1:8000", "Base URL of the archive browser; digest links point there."),
    Setting("digest.channel", "smtp", "How digests are delivered: smtp, or file (writes .eml files to <data_dir>/mail/ instead of mailing)."),
    Setting("digest.first_lookback_days", 30, "A new subscriber's first digest holds the changes of this many past days (0: all).", int),
    Setting("digest.max_items_per_section", 20, "Items shown per digest section; the rest are counted and linked to the archive (keeps a full digest near 100 KB, where Gmail starts clipping).", int),
    Setting("digest.retry_base_seconds", 300, "First retry delay after a refused or failed delivery; doubles with each attempt.", int),
    Setting("digest.retry_max_seconds", 21600, "Longest delay between delivery retries.", int),
    Setting("digest.sending_lease_seconds", 600, "A digest left 'sending' this long (the process died mid-send) is sent again, same Message-ID.", int),
    Setting("digest.failing_after_runs", 3, "A source whose last this-many crawl runs failed is reported once as source-failing.", int),
    Setting("digest.unsubscribe_mailto", "", "Address for mailto: List-Unsubscribe (subject 'unsubscribe <token>'); the archive URL is always given."),
    # -- mail
    Setting("smtp.host", "127.0.0.1", "SMTP server host."),
    Setting("smtp.port", 25, "SMTP server port.", int),
    Setting("smtp.security", "plain", "Connection security.", choices=("plain", "starttls", "ssl")),
    Setting("smtp.user", "", "SMTP user name; empty means no authentication."),
    Setting("smtp.password", "", "SMTP password (environment only, never logged).", secret=True),
    Setting("smtp.from_addr", "planwatch <planwatch@localhost>", "From header of digests."),
    Setting("smtp.timeout", 30, "Seconds before an SMTP connection attempt is given up.", int),
    Setting("smtp.ca_file", "", "PEM file of CA certificates to verify the server with (starttls, ssl); empty: the system's."),
    # -- archive browser
    Setting("web.host", "127.0.0.1", "Address `planwatch serve` binds to."),
    Setting("web.port", 8000, "Port `planwatch serve` listens on.", int),
    Setting("web.auth_user", "", "HTTP basic auth user for the archive; empty means no auth."),
    Setting("web.auth_password", "", "HTTP basic auth password (environment only).", secret=True),
    Setting("web.token", "", "Bearer token accepted instead of basic auth (environment only).", secret=True),
)

_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


@dataclass
class Config:
    """Resolved settings, and where each value came from (default, file, env)."""

    values: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            raise KeyError(f"unknown setting {name!r}")
        return self.values[name]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["data_dir"]).expanduser()

    @property
    def database_url(self) -> str:
        url = str(self.values["database_url"])
        if url:
            return url
        return f"sqlite:///{(self.data_dir / 'planwatch.db').resolve()}"

    @property
    def sources_file(self) -> Path:
        return Path(self.values["sources_file"]).expanduser()

    @property
    def user_agent(self) -> str:
        return str(self.values["crawl.user_agent"]).replace(
            "{contact_url}", str(self.values["crawl.contact_url"])
        )

    def origin_of(self, name: str) -> str:
        """Where a setting's value came from, the way a user would fix it."""
        origin = self.origins.get(name, "default")
        if origin == "env":
            return _BY_NAME[name].env
        if origin == "file" and self.path is not None:
            return str(self.path)
        return "the default"

    def ensure_data_dir(self) -> Path:
        """Create the data directory if needed and return it; ConfigError when it cannot be."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:
            raise self._data_dir_error("is a file, not a directory") from exc
        except OSError as exc:
            raise self._data_dir_error(f"cannot be created ({exc.strerror or exc})") from exc
        return self.data_dir

    def _data_dir_error(self, problem: str) -> ConfigError:
        return ConfigError(
            f"data_dir {str(self.data_dir)!r} (from {self.origin_of('data_dir')}) {problem}",
            hint=f"set {_BY_NAME['data_dir'].env} or data_dir in planwatch.toml to a directory you can write",
        )

    def public_items(self) -> list[tuple[Setting, Any, str]]:
        """Every setting with its value and origin; secrets shown as set/unset only."""
        rows = []
        for setting in SETTINGS:
            value = self.values[setting.name]
            if setting.secret:
                value = "(set)" if value else "(unset)"
            rows.append((setting, value, self.origins.get(setting.name, "default")))
        return rows


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix=name + "."))
        else:
            flat[name] = value
    return flat


def _find_config_file(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
        return explicit
    if env.get("PLANWATCH_CONFIG"):
        path = Path(env["PLANWATCH_CONFIG"])
        if not path.is_file():
            raise ConfigError(f"PLANWATCH_CONFIG points to {path}, which does not exist")
        return path
    default = Path("planwatch.toml")
    return default if default.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from exc


def _unknown_setting(name: str, path: Path) -> ConfigError:
    """An unknown name in the config file, with the nearest real setting when there is one."""
    near = difflib.get_close_matches(name, _BY_NAME, n=1, cutoff=0.6)
    if not near:  # a known key in the wrong table: [web] contact_url
        leaf = name.rsplit(".", 1)[-1]
        near = [known for known in _BY_NAME if known.rsplit(".", 1)[-1] == leaf][:1]
    hint = f"did you mean {near[0]!r}?" if near else "`planwatch config` lists every setting"
    return ConfigError(f"unknown setting {name!r}", path=str(path), hint=hint)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Resolve every setting from defaults, the config file and the environment."""
    env = os.environ if env is None else env
    values = {setting.name: setting.default for setting in SETTINGS}
    origins = {setting.name: "default" for setting in SETTINGS}
    config_path = _find_config_file(path, env)
    if config_path is not None:
        for name, raw in _flatten(_read_toml(config_path)).items():
            setting = _BY_NAME.get(name)
            if setting is None:
                raise _unknown_setting(name, config_path)
            if setting.secret:
                raise ConfigError(
                    f"{name} is a secret and is read from the environment only",
                    path=str(config_path),
                    hint=f"remove it from the file and set {setting.env}",
                )
            values[name] = setting.parse(raw, str(config_path))
            origins[name] = "file"
    for setting in SETTINGS:
        if setting.env in env:
            values[setting.name] = setting.parse(env[setting.env], setting.env)
            origins[setting.name] = "env"
    return Config(values=values, origins=origins, path=config_path)


def settings_markdown() -> str:
    """The README's settings table, generated from SETTINGS (a test keeps them equal)."""
    lines = [
        "| setting | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS:
        default = "(none)" if setting.secret else f"`{_toml_literal(setting.default)}`"
        meaning = setting.help + (f" One of: {', '.join(setting.choices)}." if setting.choices else "")
        secret = " **Secret: environment only.**" if setting.secret else ""
        lines.append(f"| `{setting.name}` | `{setting.env}` | {default} | {meaning}{secret} |")
    return "\n".join(lines)


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:_}" if isinstance(value, int) and value >= 100_000 else str(value)
    return json.dumps(value, ensure_ascii=False)
