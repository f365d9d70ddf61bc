"""The registry of subcommands: name → module in this package, one-line summary.

Each module defines ``command`` (a click command or group) whose help ends with an
``Example:`` block. The summary here is what ``planwatch --help`` lists without
importing the module.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["COMMANDS", "CommandEntry"]


class CommandEntry(NamedTuple):
    module: str
    summary: str


COMMANDS: dict[str, CommandEntry] = {
    "db": CommandEntry("db", "Create or upgrade the database schema."),
    "config": CommandEntry("config", "Show every setting, its value and where it came from."),
    "sources": CommandEntry("sources", "List the sources in the sources config."),
    "crawl": CommandEntry("crawl", "Fetch the sources once: new plans, changed pages, attachments."),
    "runs": CommandEntry("runs", "List recent crawl runs and what they found."),
    "documents": CommandEntry("documents", "List the stored plan documents."),
    "show": CommandEntry("show", "Print one document's latest text and metadata."),
    "fixture-site": CommandEntry("fixture_site", "Serve the bundled government-style fixture site on 127.0.0.1."),
    "serve": CommandEntry("serve", "Serve the archive browser (pages, search, JSON API; it writes only unsubscribes)."),
    "subscribers": CommandEntry("subscribers", "Add, list and remove digest subscribers and their filters."),
    "digest": CommandEntry("digest", "Render digests of what changed, or send them (--send)."),
    "feed": CommandEntry("feed", "Write an Atom feed of changes, all or filtered."),
    "run": CommandEntry("run", "Run one cycle (crawl what is due, analyse, send digests) for cron."),
    "daemon": CommandEntry("daemon", "Run the scheduler: crawls and digests on their schedules."),
    "status": CommandEntry("status", "Show each source's last crawl, failures in a row and next crawl."),
    "demo": CommandEntry("demo", "Run the whole job offline on a bundled fixture site, then browse it."),
    "extract": CommandEntry("extract", "Print the targets and actuals of one plan page or text file."),
    "compare": CommandEntry("compare", "Compare two plan files: targets added, removed, raised, lowered; the text diff."),
    "diff": CommandEntry("diff", "Show the text and target diff of stored versions or documents."),
}
