"""Server paths out of what clients read: error texts name the problem and the fix, never where
the server keeps its files (the log keeps the full text under the correlation id)."""

from __future__ import annotations

import re

#: an absolute path (``/srv/models/lama/big-lama.pt``, ``C:\\models\\x``),
#: not an API path this service documents (``/api/v1/loras``)
_PATH = re.compile(
    r"(?<![\w.:/])(?:/(?!api/|ui\b|docs\b|ready\b|health\b)[\w.@+-]+(?:/[\w.@+-]+)*/?"
    r"|[A-Za-z]:\\[\w.\\ -]+)"
)


def redact_paths(text: str) -> str:
    """``text`` with every server file path replaced by ``<server path>/<file name>``."""

    def short(match: re.Match[str]) -> str:
        name = re.split(r"[/\\]", match.group(0).rstrip("/\\"))[-1]
        return f"<server path>/{name}" if "." in name else "<server path>"

    return _PATH.sub(short, text)
