from commandcenter.cli import main

raise SystemExit(main())
