"""The bench site in a process of its own (its CPU never counts against a crawler)."""

from __future__ import annotations

import subprocess
import sys
from types import TracebackType

from bench.measure import REPO

__all__ = ["SiteProcess"]


class SiteProcess:
    """``with SiteProcess(pages) as site: site.base_url; site.edit(0.05, 1); site.reset()``."""

    def __init__(self, pages: int, seed: int = 1) -> None:
        self.pages = pages
        self.seed = seed
        self.base_url = ""
        self.bytes_held = 0
        self._child: subprocess.Popen[str] | None = None

    def __enter__(self) -> SiteProcess:
        argv = [sys.executable, "-m", "crawler.fixture_site.benchsite", "--pages", str(self.pages),
                "--seed", str(self.seed), "--port", "0"]
        self._child = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        words = self._answer().split()
        if len(words) < 3 or words[0] != "ready":
            self.close()
            raise RuntimeError(f"the bench site did not start: {' '.join(words)!r}")
        self.base_url, self.bytes_held = words[1], int(words[2])
        return self

    def _answer(self) -> str:
        assert self._child is not None and self._child.stdout is not None
        return self._child.stdout.readline().strip()

    def _command(self, line: str) -> str:
        assert self._child is not None and self._child.stdin is not None
        self._child.stdin.write(line + "\n")
        self._child.stdin.flush()
        return self._answer()

    def edit(self, fraction: float, round_: int) -> int:
        """Edit ``fraction`` of the plan pages (one target value each); returns how many."""
        answer = self._command(f"edit {fraction} {round_}")
        if not answer.startswith("edited "):
            raise RuntimeError(f"the bench site refused the edit: {answer!r}")
        return int(answer.split()[1])

    def reset(self) -> None:
        """Every plan page back to its first text."""
        self._command("reset")

    def close(self) -> None:
        if self._child is None:
            return
        try:
            if self._child.stdin is not None:
                self._child.stdin.write("quit\n")
                self._child.stdin.close()
            self._child.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self._child.kill()
            self._child.wait()
        self._child = None

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
