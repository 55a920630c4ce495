"""``python -m v2v.cli``: the ``v2v`` command."""

from v2v.cli import main

main()
