"""`python -m cli ...` is `bft ...` without an install."""

from .app import main

main()
