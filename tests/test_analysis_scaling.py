"""bench/analysis_scaling.py keeps working: a tiny run reports each size and writes its profile."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROFILER = find_spec("pyinstrument") is not None  # --profile needs it; pyproject does not list it yet


def test_a_tiny_run_measures_each_store_size_on_the_same_plans_and_profiles_the_largest(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.analysis_scaling", "--stored", "12,6", "--analysed", "4",
         *(["--profile"] if PROFILER else []), "--work", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert [row["stored"] for row in result["sizes"]] == [6, 12]
    for row in result["sizes"]:
        assert row["prepare"]["analysed"] == row["stored"] and row["prepare"]["failed"] == 0
        assert row["measured"]["analysed"] == 4 and row["measured"]["changes"] == {"new-document": 4}
        assert row["measured"]["cpu_ms_per_version"] > 0
    assert set(result["cpu_ms_per_version"]) == {"6", "12"}
    assert "stored    12:" in run.stderr
    if PROFILER:
        profile = Path(result["sizes"][-1]["profile"]["text"])
        assert "analyse_version" in profile.read_text(encoding="utf-8") and profile.with_suffix(".html").exists()
