"""``python -m v2v`` runs the CLI."""

import sys

from v2v.cli import main

sys.exit(main())
