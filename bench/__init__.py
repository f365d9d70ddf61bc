"""planwatch's benchmarks: the cost of a monitoring cycle beside bare Scrapy and urlwatch.

``bash bench/run.sh [--sizes 1000,5000] [--quick] [--out FILE]`` runs every measurement
in one go (:mod:`bench.cli`) and writes ``bench/RESULTS.md``. bench/ is a folder of the
repository, not an installed package: run it from the repository root
(``.venv/bin/python -m bench``).
"""
