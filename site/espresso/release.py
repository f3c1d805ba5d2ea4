"""Which code is running: a short id that changes whenever the code, templates, static files
or translations change, and is the same on every node that runs the same code.

The shared cache's keys start with it (settings: CACHES' KEY_PREFIX), so after a deploy no
node serves a page or fragment that the old templates rendered; the content version
(network.pagecache) only changes when the data does."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: What shapes a rendered page, relative to the project's root.
CODE_DIRS = ("site", "events", "network", "credits", "templates", "static", "locale")
CODE_SUFFIXES = frozenset({".py", ".html", ".txt", ".xml", ".css", ".js", ".svg", ".po",
                           ".json"})


def code_release_id(root: Path) -> str:
    """A digest of every code file under CODE_DIRS (its path and its bytes), 12 hex digits.
    Byte-for-byte the same tree gives the same id on any machine (no times, no absolute
    paths)."""
    digest = hashlib.blake2b(digest_size=6)
    for top in CODE_DIRS:
        files = sorted(path for path in (root / top).rglob("*")
                       if path.suffix in CODE_SUFFIXES and path.is_file()
                       and "__pycache__" not in path.parts)
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def release_id(root: Path) -> str:
    """`RELEASE_ID` from the environment when the deployment names its release (e.g. a git
    commit or an image tag), else the digest of the code."""
    return os.environ.get("RELEASE_ID", "").strip() or code_release_id(root)
