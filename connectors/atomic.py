"""Write a file so that a reader sees the old one or the new one, never half of it: write to a
temporary name beside it, then rename over it (one `os.replace`, atomic on one file system)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path, *, tmp: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path to write `path`'s new content to; when the block ends without an
    error it replaces `path`, and a temporary file left by a failure is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # unique per process and thread: two writers never share a temporary file
    tmp = tmp or path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    """`path.write_text(text)`, atomically (UTF-8)."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
