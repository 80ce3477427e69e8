"""``python -m fastnet``: the same command line as the ``fastnet`` script (see fastnet.cli)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
