"""``python -m crawler.fixture_site --port 8765 [--state next]``: serve the site by hand."""

from __future__ import annotations

import argparse

from crawler.fixture_site.manifest import STATES
from crawler.fixture_site.serve import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m crawler.fixture_site", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--state", choices=STATES, default="initial")
    parser.add_argument("--synthetic-pages", type=int, default=0, help="also serve N synthetic plan pages")
    parser.add_argument("--next-after", type=float, default=None, help="switch to 'next' after N seconds")
    args = parser.parse_args()
    serve(args.port, args.state, synthetic_pages=args.synthetic_pages, next_after=args.next_after)


if __name__ == "__main__":
    main()
