"""`python -m jixiao` is the `jixiao` command (used to start background work)."""

from jixiao.cli import main

main()
