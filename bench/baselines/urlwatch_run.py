"""Baseline 2: urlwatch checking the bench site's plan pages, as its users run it.

urlwatch (pinned :data:`URLWATCH_SPEC`) is installed from the package index into a
virtualenv of its own, ``bench/work/urlwatch-venv`` (git-ignored), so none of its
dependencies touch planwatch's. :func:`prepare` writes a ``urls.yaml`` with one ``url``
job per plan page and a config with only the stdout reporter (no colour); its cache
(minidb, SQLite) lives beside them in ``<work>/urlwatch-<pages>/`` (bench/work by default). Every run is
the ``urlwatch`` command in a child process measured like the others: a first run
(empty cache), then re-runs, which send If-None-Match from the cached ETag. It runs
through ``urlwatch_probe.py`` (urlwatch's own ``main()`` in the urlwatch venv's Python)
so the child can report its own peak RSS and the time of the run after imports.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.measure import WORK, Measured, run_measured

__all__ = ["URLWATCH_SPEC", "VENV", "ensure_urlwatch", "prepare", "run_urlwatch"]

URLWATCH_SPEC = "urlwatch==2.29"
VENV = WORK / "urlwatch-venv"
_CONFIG = """\
display: {new: true, error: true, unchanged: false, empty-diff: true}
report:
  stdout: {enabled: true, color: false}
  text: {line_length: 75, details: true, footer: true, minimal: false, separate: false}
"""


def ensure_urlwatch() -> tuple[Path | None, str]:
    """The urlwatch executable (installing it on first use), or None and why not."""
    executable = VENV / "bin" / "urlwatch"
    if executable.exists():
        return executable, ""
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", URLWATCH_SPEC], check=True,
                       capture_output=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        return None, f"could not install {URLWATCH_SPEC}: {type(exc).__name__}"
    return (executable, "") if executable.exists() else (None, "urlwatch was not installed")


def prepare(base_url: str, plan_paths: list[str], pages: int, work: Path = WORK) -> Path:
    """A fresh folder with urls.yaml (one job per plan page), urlwatch.yaml and no cache."""
    folder = work / f"urlwatch-{pages}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    jobs = "---\n".join(f"name: plan {n}\nurl: {base_url}{path}\n" for n, path in enumerate(plan_paths))
    (folder / "urls.yaml").write_text(jobs, encoding="utf-8")
    (folder / "urlwatch.yaml").write_text(_CONFIG, encoding="utf-8")
    return folder


def run_urlwatch(label: str, executable: Path, folder: Path) -> Measured:
    """One ``urlwatch`` run over every job of ``folder``."""
    probe = Path(__file__).with_name("urlwatch_probe.py")
    argv = [str(executable.with_name("python")), str(probe), "--urls", str(folder / "urls.yaml"), "--config", str(folder / "urlwatch.yaml"),
            "--cache", str(folder / "cache.db"), "--hooks", str(folder / "hooks.py")]
    return run_measured(label, argv, env={"HOME": str(folder), "XDG_CONFIG_HOME": str(folder),
                                          "XDG_CACHE_HOME": str(folder)})
