"""``python -m socketscope.engine.runhost FD``: a run host (started by RunHost, not by hand)."""

import sys

from .host import host_main

if __name__ == "__main__":
    raise SystemExit(host_main(int(sys.argv[1])))
