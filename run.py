"""Start the vehicle-to-vector service: ``python run.py``.

Reads HOST, PORT, WORKERS, RELOAD, LOG_LEVEL and the other settings from the environment (see
docs/service.md). Needs the ``server`` extra: ``pip install -e '.[server]'``.
"""

from __future__ import annotations

import sys


def main() -> int:
    try:
        from v2v.errors import V2VError
        from v2v.service import serve
    except ImportError as exc:
        print(
            f"error: {exc}; install the service with: pip install -e '.[server]'", file=sys.stderr
        )
        return 4
    except V2VError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        serve()
    except V2VError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
