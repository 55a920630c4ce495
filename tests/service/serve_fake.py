"""Start a real server process whose pipeline is a stand-in runner (for restart tests).

    python -m tests.service.serve_fake tests.service.fakes:slow

Reads the usual settings from the environment (DATA_DIR, PORT, ...).
"""

from __future__ import annotations

import sys

import uvicorn

from v2v.service import create_app, load_settings


def main() -> None:
    settings = load_settings()
    app = create_app(settings, runner=sys.argv[1])
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
