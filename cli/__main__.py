"""`python -m cli ...` is `bft ...` without an install."""

from cli.app import main

main()
