from commandcenter.cli import main

if __name__ == "__main__":  # a spawned process (the drill engine) imports this module too
    raise SystemExit(main())
