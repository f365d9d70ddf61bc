"""Run urlwatch's own ``main()`` and report this process's figures (the urlwatch venv runs this).

``urlwatch-venv/bin/python bench/baselines/urlwatch_probe.py URLWATCH_ARGS...``: imports
nothing of planwatch (standard library and urlwatch only). After urlwatch's output,
the last stdout line is JSON: wall and CPU seconds of urlwatch's run after its imports,
and the peak RSS of this process (VmHWM).
"""

import json
import re
import sys
import time


def _peak_rss_mb():
    with open("/proc/self/status") as status:
        found = re.search(r"^VmHWM:\s*(\d+) kB", status.read(), re.M)
    return int(found.group(1)) / 1024 if found else None


def main():
    from urlwatch import cli

    sys.argv = ["urlwatch", *sys.argv[1:]]
    wall, cpu = time.perf_counter(), time.process_time()
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    print()
    print(json.dumps({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                      "peak_rss_mb": _peak_rss_mb(), "exit": code}))
    sys.exit(code)


if __name__ == "__main__":
    main()
