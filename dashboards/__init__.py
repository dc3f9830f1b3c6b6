"""The operators' web console (static files) and Grafana dashboards.

This package imports nothing of ours: the console talks to the API over HTTP only. The API asks it
for the folder to serve, which is the one coupling between the two.
"""

from __future__ import annotations

from pathlib import Path


def console_dir() -> Path:
    """The folder of the console's static files (index.html, app.js, app.css)."""
    return Path(__file__).resolve().parent / "console"
