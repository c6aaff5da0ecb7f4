"""The frozen program's entry: the app, or the command line when started as ``minions``.

One executable serves both (on Linux /usr/bin/minions is a link to it), so the bundle
holds the Python modules once. The file readers' worker processes start here too, with
the executable's own name: freeze_support() runs them before anything else.
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    if os.path.basename(sys.argv[0]).lower() in ("minions", "minions.exe"):
        from core.cli import main
    else:
        from desktop.__main__ import main
    sys.exit(main())
