"""User files: written atomically, and only ever as regular files; read without hanging.

A write goes to a temporary file in the same folder, then a rename over the target. A full
disk, a permission problem or Ctrl-C half-way leaves the old file intact and no temporary file
behind; an error names the user's path, never the hidden temporary one.

The rename would replace *whatever* the path is, so a write first checks that the path is a
regular file or does not exist: saving onto ``/dev/full``, a FIFO, a socket or a folder raises
:class:`NotARegularFile` (an ``OSError``) and leaves it as it was. A symbolic link to a regular
file is followed, so the link stays and the file it points to gets the new content.

Reads (:func:`read_bytes`) open with ``O_NONBLOCK`` and check the kind of file before reading,
so a FIFO or a device fails at once instead of blocking forever, and they read at most a
given number of bytes, so a huge file fails before it fills the memory.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from collections.abc import Callable
from typing import BinaryIO

__all__ = [
    "NotARegularFile", "FolderNotFile", "check_target",
    "atomic_write", "write_bytes", "write_text", "read_bytes",
]


class NotARegularFile(OSError):
    """The path is a device, a FIFO, a socket or a folder: microgradnet neither replaces it nor
    reads from it (an ``OSError``, so code catching file errors catches it too)."""


class FolderNotFile(NotARegularFile, IsADirectoryError):
    """The path is a folder: also an ``IsADirectoryError``, as ``open()`` would have raised."""


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _refuse(path: str, mode: int, action: str) -> NotARegularFile:
    # EISDIR for folders keeps the usual errno; EINVAL for the special files that have none
    what = f"{_kind(mode)}, not a regular file; microgradnet does not {action} it"
    if stat.S_ISDIR(mode):
        return FolderNotFile(errno.EISDIR, what, path)
    return NotARegularFile(errno.EINVAL, what, path)


def _target(path: str) -> str:
    """The file a write really replaces: ``path`` itself, or the file a link at ``path`` names.
    Raises NotARegularFile when that is anything but a regular file or nothing at all."""
    real = os.path.realpath(path) if os.path.islink(path) else path
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real  # a new file
    except OSError as e:
        raise _user_error(e, path) from None
    if not stat.S_ISREG(mode):
        raise _refuse(path, mode, "replace")
    return real


def check_target(path: str | os.PathLike[str]) -> None:
    """Fail now, before any long work, if a write to ``path`` would be refused (a device, FIFO,
    socket or folder there); the write itself checks again."""
    _target(os.fspath(path))


def atomic_write(path: str | os.PathLike[str], fill: Callable[[BinaryIO], object]) -> None:
    """Create or replace the regular file ``path`` with the bytes ``fill(file)`` writes, all at
    once or not at all; a device, FIFO, socket or folder at ``path`` raises NotARegularFile."""
    path = os.fspath(path)
    real = _target(path)
    directory, name = os.path.split(os.path.abspath(real))
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
        _target(path)  # again: something else may have appeared there while we wrote
        os.replace(tmp, real)
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


def read_bytes(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit + 1`` of them (so a caller can tell
    a file over its limit). A FIFO, device, socket or folder raises NotARegularFile at once."""
    where = os.fspath(path)
    mode = os.stat(where).st_mode  # first: a socket cannot even be opened, and deserves the same answer
    if not stat.S_ISREG(mode):
        raise _refuse(where, mode, "read")
    # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one
    fd = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode  # again: the path may have changed since the stat
        if not stat.S_ISREG(mode):
            raise _refuse(where, mode, "read")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _user_error(e: OSError, path: str) -> OSError:
    """The same kind of OSError, naming the user's file rather than our temporary one."""
    if isinstance(e, NotARegularFile) or e.errno is None:
        return e
    return type(e)(e.errno, e.strerror, path)
