"""``planwatch demo``: the whole job on this machine, offline, in one command.

1. the bundled government-style fixture site starts on 127.0.0.1 (a free port);
2. a demo data directory (default ``./planwatch-data/demo``, wiped first) gets its own
   ``planwatch.toml`` and ``sources.toml`` (the real port), the schema, and one
   subscriber, ``demo@example.org``;
3. every section is crawled and analysed; then the site moves to its next state (one
   plan's target edited, a new year's plan published) and is crawled again;
4. the digest is mailed to a capturing SMTP server on 127.0.0.1 that saves each
   message as ``<data_dir>/mail/NNN-<recipient>.eml`` and its HTML part as ``.html``;
5. the archive browser starts, with the pages worth opening printed, until Ctrl-C
   (``serve=False`` stops after printing them).

Nothing reads the user's own config or environment: the demo store is never the real one.
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawler.fixture_site import MANIFEST, FixtureSite, demo_sources, render_sources_toml
from monitor.cycle import analyse_step
from monitor.logs import setup_logging
from reports.smtp_capture import CapturedMessage, CaptureServer
from reports.urls import ArchiveUrls
from store.engine import make_engine
from store.errors import InputError
from store.migrate import upgrade
from store.models import Document
from store.queries import versions_of
from store.settings import Config, load_config
from store.sources_config import SourceConfig

__all__ = ["DEFAULT_DIR", "DEMO_SUBSCRIBER", "MARKER", "DemoOptions", "DemoResult", "MailSaver", "prepare_dir", "run_demo"]

DEFAULT_DIR = Path("planwatch-data/demo")
MARKER = ".planwatch-demo"
DEMO_SUBSCRIBER = "demo@example.org"
_STEPS = 7


@dataclass
class DemoOptions:
    """What ``planwatch demo`` was asked for."""

    data_dir: Path = DEFAULT_DIR
    port: int | None = None  # the archive browser's port; None: 8000, or a free one if taken
    serve: bool = True
    echo: Callable[[str], None] = print


@dataclass
class DemoResult:
    """Where everything the demo made can be found."""

    data_dir: Path
    config_path: Path
    site_url: str
    web_url: str
    mail_files: list[Path] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)


def prepare_dir(path: Path) -> bool:
    """Empty the demo directory (True if something was wiped); refuse a directory the demo did not make."""
    if path.exists() and any(path.iterdir()) and not (path / MARKER).exists():
        raise InputError(f"{path} is not empty and was not made by planwatch demo (no {MARKER} file)",
                         hint="choose another --data-dir, or empty it yourself")
    wiped = path.exists() and any(path.iterdir())
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("made by `planwatch demo`; wiped at the start of every demo run\n", encoding="utf-8")
    return wiped


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _web_port(wanted: int | None) -> int:
    if wanted is not None:
        if not _port_free(wanted):
            raise InputError(f"port {wanted} on 127.0.0.1 is in use", hint="pick another with --port")
        return wanted
    if _port_free(8000):
        return 8000
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int) else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_config(data_dir: Path, smtp_port: int, web_port: int) -> Path:
    """The demo's own planwatch.toml: everything on 127.0.0.1, everything inside ``data_dir``."""
    settings: dict[str, dict[str, Any]] = {
        "": {"data_dir": str(data_dir), "sources_file": str(data_dir / "sources.toml"), "log_level": "INFO"},
        "crawl": {"autothrottle": False, "contact_url": "mailto:demo@example.org"},
        "digest": {"archive_base_url": f"http://127.0.0.1:{web_port}", "channel": "smtp"},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "plain",
                 "from_addr": "planwatch demo <planwatch@localhost>"},
        "web": {"host": "127.0.0.1", "port": web_port},
    }
    lines = ["# Written by `planwatch demo`; reuse it: planwatch --config THIS_FILE status"]
    for section, values in settings.items():
        lines += [f"[{section}]"] if section else []
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    path = data_dir / "planwatch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class MailSaver:
    """A capture-server hook: each message as NNN-<recipient>.eml, its HTML part as .html."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: list[Path] = []

    def __call__(self, captured: CapturedMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", captured.rcpt_tos[0] if captured.rcpt_tos else "unknown")
        stem = f"{len([f for f in self.files if f.suffix == '.eml']) + 1:03d}-{recipient}"
        eml = self.directory / f"{stem}.eml"
        eml.write_bytes(captured.data)
        self.files.append(eml)
        html = captured.message.get_body(preferencelist=("html",))
        if html is not None:
            page = self.directory / f"{stem}.html"
            page.write_bytes(str(html.get_content()).replace("\r\n", "\n").encode("utf-8"))
            self.files.append(page)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _crawl(config: Config, engine: Engine, sources: list[SourceConfig], echo: Callable[[str], None]) -> None:
    from crawler.run import crawl_sources  # Scrapy only once the demo really crawls

    for source in sources:
        started = time.monotonic()
        [summary] = crawl_sources(config, [source], trigger="demo")
        counts = summary.counts
        echo(f"      {source.id:<14} {summary.status.value:<8} {_count(counts.get('requests', 0), 'request')}, "
             f"{_count(counts.get('new_documents', 0), 'new plan')}, {_count(summary.new_versions, 'new version')} "
             f"({time.monotonic() - started:.1f} s)")
    analysis = analyse_step(config, engine)
    changes = ", ".join(f"{count} {kind}" for kind, count in analysis.get("changes", {}).items()) or "none"
    echo(f"      analysis: {analysis.get('analysed', 0)} versions read; changes found: {changes}")


def _edit_and_new_plan() -> tuple[str, str, str, str]:
    """(edited plan path, what was edited, new plan path, new plan title) from the site's manifest."""
    edited = next(plan for plan in MANIFEST if plan.next_change == "edited" and plan.edit)
    new = next(plan for plan in MANIFEST if plan.next_change == "new")
    assert edited.edit is not None
    return edited.path, f"{edited.edit[0]} → {edited.edit[1]}", new.path, new.title


def _urls(engine: Engine, site: FixtureSite, web: ArchiveUrls) -> dict[str, str]:
    edited_path, _, new_path, _ = _edit_and_new_plan()
    urls = {"home": web.home()}
    with Session(engine) as session:
        new = session.exec(select(Document).where(Document.url == site.url(new_path))).first()
        edited = session.exec(select(Document).where(Document.url == site.url(edited_path))).first()
        if new is not None and new.id is not None:
            urls["the new plan"] = web.document(new.id)
        if edited is not None and edited.id is not None:
            versions = versions_of(session, edited.id)
            if len(versions) >= 2 and versions[-2].id is not None and versions[-1].id is not None:
                urls["the edit, compared"] = web.compare(versions[-2].id, versions[-1].id)
            if edited.series_id is not None:
                urls["its series, year by year"] = web.series(edited.series_id)
    return urls


def _store(data_dir: Path, smtp_port: int, web_port: int, site_url: str) -> tuple[Config, Engine, Path]:
    sources_path = data_dir / "sources.toml"
    sources_path.write_text(render_sources_toml(
        demo_sources(site_url), header=f"Written by `planwatch demo` for the fixture site at {site_url}"),
        encoding="utf-8")
    config_path = _write_config(data_dir.resolve(), smtp_port, web_port)
    config = load_config(config_path, env={})
    setup_logging(config, stderr_level="ERROR")
    engine = make_engine(config.database_url)
    upgrade(engine)
    return config, engine, config_path


def _subscribe(engine: Engine) -> None:
    from reports.subscribers import add_subscriber
    from store.engine import session_scope

    with session_scope(engine) as session:
        add_subscriber(session, DEMO_SUBSCRIBER)


def _send_digest(config: Config, engine: Engine) -> dict[str, int]:
    from reports.digest_run import run_digests

    summary = run_digests(config, engine, send=True)
    return {"delivered": summary.delivered, "failed": len(summary.failed)}


def _serve(config: Config, web_port: int) -> None:
    """The archive browser on 127.0.0.1 until Ctrl-C (uvicorn handles the signal)."""
    import uvicorn

    from reports.web import create_app
    from store.engine import session_scope
    from store.search import index_pending

    with session_scope(make_engine(config.database_url)) as session:
        index_pending(session)
    app = create_app(config, engine=make_engine(config.database_url, readonly=True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=web_port, log_level="warning",
                                           server_header=False))
    # uvicorn re-raises the Ctrl-C it shut down on; for the demo that is the normal end.
    with suppress(KeyboardInterrupt):
        server.run()


def _say_urls(result: DemoResult, echo: Callable[[str], None], serving: bool) -> None:
    width = max(len(name) for name in result.urls)
    for name, url in result.urls.items():
        echo(f"      {name:<{width}}  {url}")
    if serving:
        echo("      Ctrl-C stops the demo (the data directory stays for you to look at).")
    else:
        echo(f"      (not serving: --no-serve) browse later: planwatch --config {result.config_path} serve")


@dataclass
class _Run:
    """What the steps of one demo run share."""

    options: DemoOptions
    site: FixtureSite
    site_url: str
    web_port: int
    saver: MailSaver
    capture_port: int
    config: Config | None = None
    engine: Engine | None = None
    config_path: Path | None = None

    def say(self, step: int, text: str) -> None:
        self.options.echo(f"[{step}/{_STEPS}] {text}")


def _set_up(run: _Run) -> tuple[Config, Engine]:
    config, engine, run.config_path = _store(run.options.data_dir, run.capture_port, run.web_port, run.site_url)
    run.config, run.engine = config, engine
    _subscribe(engine)
    run.say(2, f"store {config.database_url.removeprefix('sqlite:///')} created; subscriber {DEMO_SUBSCRIBER}")
    return config, engine


def _crawl_twice(run: _Run, config: Config, engine: Engine) -> None:
    sources = [source for source in demo_sources(run.site_url) if source.enabled]
    run.say(3, f"first crawl of {len(sources)} sources, then analysis:")
    _crawl(config, engine, sources, run.options.echo)
    run.site.set_state("next")
    _, edit, _, new_title = _edit_and_new_plan()
    run.say(4, f"the site moves on: a target is edited ({edit}) and a new plan appears ({new_title})")
    run.say(5, "second crawl, then analysis:")
    _crawl(config, engine, sources, run.options.echo)


def _mail(run: _Run, config: Config, engine: Engine) -> None:
    sent = _send_digest(config, engine)
    run.say(6, f"digest mailed to {DEMO_SUBSCRIBER} through a capturing SMTP server on 127.0.0.1:{run.capture_port} "
               f"({sent['delivered']} delivered); saved as:")
    for path in run.saver.files:
        run.options.echo(f"      {path}{'   <- open this one in a browser' if path.suffix == '.html' else ''}")


def _result(run: _Run, engine: Engine) -> DemoResult:
    assert run.config_path is not None
    result = DemoResult(run.options.data_dir, run.config_path, run.site_url, f"http://127.0.0.1:{run.web_port}/",
                        list(run.saver.files))
    result.urls = _urls(engine, run.site, ArchiveUrls(f"http://127.0.0.1:{run.web_port}"))
    html = [path for path in run.saver.files if path.suffix == ".html"]
    if html:
        result.urls["the digest"] = html[0].resolve().as_uri()
    return result


def run_demo(options: DemoOptions) -> DemoResult:
    """Run the demo end to end; see the module docstring for the steps."""
    options.echo("planwatch demo: everything runs on this machine (127.0.0.1); nothing is fetched from the internet.")
    wiped = prepare_dir(options.data_dir)
    options.echo(f"  data directory: {options.data_dir}"
                 f"{' (wiped first: every demo run starts clean)' if wiped else ''}")
    web_port = _web_port(options.port)
    with ExitStack() as stack:
        site = FixtureSite()
        site_url = site.start(0)
        stack.callback(site.stop)
        saver = MailSaver(options.data_dir / "mail")
        capture = stack.enter_context(CaptureServer())
        capture.handler.before_accept.append(saver)
        run = _Run(options, site, site_url, web_port, saver, capture.port)
        run.say(1, f"fixture site with {len([s for s in demo_sources(site_url) if s.enabled])} "
                   f"government sections at {site_url}/")
        config, engine = _set_up(run)
        stack.callback(engine.dispose)
        _crawl_twice(run, config, engine)
        _mail(run, config, engine)
        result = _result(run, engine)
        run.say(7, f"archive browser{' at ' + result.web_url if options.serve else ''}: open")
        _say_urls(result, options.echo, options.serve)
        if options.serve:
            _serve(config, web_port)
            options.echo(f"stopped. Everything the demo made stays in {options.data_dir}")
    return result
