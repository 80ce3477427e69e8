"""``python -m fastnet.cli``, which worked when the command line was the module fastnet/cli.py (``python -m fastnet``
is the usual spelling)."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
