"""Writing user files atomically: a temporary file in the same folder, then a rename.

A full disk, a permission problem or Ctrl-C half-way leaves the old file intact and no
temporary file behind; an error names the user's path, never the hidden temporary one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import BinaryIO


def atomic_write(path: str | os.PathLike[str], fill: Callable[[BinaryIO], object]) -> None:
    """Create ``path`` with the bytes ``fill(file)`` writes, all at once or not at all."""
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        # mode 0o666 honours the umask: the file gets the permissions of any ordinary file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise _user_error(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _user_error(e, path) from None
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """``atomic_write`` of ready-made bytes."""
    atomic_write(path, lambda f: f.write(data))


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """``atomic_write`` of UTF-8 text."""
    write_bytes(path, text.encode("utf-8"))


def _user_error(e: OSError, path: str) -> OSError:
    """The same kind of OSError, naming the user's file rather than our temporary one."""
    return e if e.errno is None else type(e)(e.errno, e.strerror, path)
