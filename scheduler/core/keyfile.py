"""Secrets the service makes for itself and keeps outside the database: a file made once with mode
0600, refused when others may read it, so that whoever reads the database cannot use what it holds."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


class KeyFileError(RuntimeError):
    """A key file is unsafe or unreadable: the service refuses to start rather than use it."""


def key_from_file(path: Path) -> str:
    """The key in `path`, made now (48 random bytes, URL-safe) when the file does not exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyFileError(f"{path} is readable by others (mode {mode:o}); chmod 600 it") from None
        key = path.read_text().strip()
        if len(key) < 32:
            raise KeyFileError(f"{path} holds no usable key (at least 32 characters)")
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key
