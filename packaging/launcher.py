"""The bundle's entry point: the same command line as the installed ``commandcenter``."""

from commandcenter.cli import main

raise SystemExit(main())
