"""The operators' web console (static files) and Grafana dashboards.

This package imports nothing of ours: the console talks to the API over HTTP only. The API asks it
for the folder to serve, which is the one coupling between the two.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

# The console is ES modules, which browsers run only when served with a JavaScript content type; some
# hosts' tables map .js to something else (application/javascript on older Pythons, text/plain on some
# Windows setups), so the one the standard names (RFC 9239) is registered here, where the API finds the folder.
mimetypes.add_type("text/javascript", ".js")


def console_dir() -> Path:
    """The folder of the console's static files (index.html, app.js and its modules, app.css)."""
    return Path(__file__).resolve().parent / "console"
