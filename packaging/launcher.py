"""The bundle's entry point: the same command line as the installed ``commandcenter``."""

import multiprocessing

from commandcenter.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the drill engine runs in a spawned process
    raise SystemExit(main())
