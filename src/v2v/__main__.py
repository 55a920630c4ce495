"""``python -m v2v`` runs the CLI."""

from v2v.cli import main

main()
