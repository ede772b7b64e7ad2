"""``python -m mlsd_lib.claims [DIR]`` prints the ledger body."""

from mlsd_lib.claims.ledger import main

if __name__ == "__main__":
    raise SystemExit(main())
