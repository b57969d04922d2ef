"""Writing a file atomically: a temporary file next to the target, then one rename over it.

:func:`atomic_write` calls ``write(temporary)`` to fill a temporary file in the target's folder,
then ``os.replace``-s it over the target, so a crash mid-write leaves the previous file intact
(and a reader never sees half a file). The details every writer of tconv needs are here once:
a symlink is written through (to the file it points to), a read-only target is refused
(``PermissionError``) instead of silently replaced, a new file gets the usual mode (``0666``
minus the umask) and a replaced one keeps its own, a temporary file left by a killed process is
removed by the next write, and on any error the temporary file is deleted. Checkpoints
(:func:`tconv.save`), figures (:func:`tconv.viz.save`), predictions and run files all use it.

>>> import os, tempfile
>>> with tempfile.TemporaryDirectory() as folder:
...     path = atomic_write(os.path.join(folder, "note.txt"), lambda tmp: open(tmp, "w").write("done"))
...     open(path).read(), os.listdir(folder)
('done', ['note.txt'])
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import threading

__all__ = ["atomic_write"]


def _fsync_directory(directory: str) -> None:
    try:                                   # make the rename itself durable (POSIX); best effort
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask (read from /proc when possible; else set and restored under a lock)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _temporary_name(target: str) -> str:
    """``.NAME.PID.RANDOM.tmp`` next to ``target``: the PID lets a later save clean up after a killed one."""
    directory, name = os.path.split(target)
    return os.path.join(directory, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _remove_stale_temporaries(target: str) -> None:
    """Delete temporary files of earlier saves of ``target`` whose process no longer exists."""
    directory, name = os.path.split(target)
    pattern = re.compile(r"\." + re.escape(name) + r"\.(\d+)\.[0-9a-f]{8}\.tmp")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry)
        if not match:
            continue
        pid = int(match.group(1))
        if pid == os.getpid():
            continue                    # maybe another thread of ours, saving right now
        try:
            os.kill(pid, 0)
            continue                    # that process still runs: its save may be in progress
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError):
            continue
        try:
            os.unlink(os.path.join(directory, entry))
        except OSError:
            pass


def atomic_write(path, write) -> str:
    """Call ``write(temporary)`` to fill a temporary file next to ``path``, then rename it over ``path``.

    The scheme of the module docstring: a symlink is written through (its target is
    replaced), a read-only target is refused (``PermissionError``), a new file gets ``0666``
    minus the umask and a replaced one keeps its mode, temporary files left by killed
    processes are removed, and on any error the temporary file is deleted and ``path`` is
    untouched. Returns the path written (the symlink's target, if ``path`` is a link).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = atomic_write(os.path.join(folder, "note.txt"), lambda tmp: open(tmp, "w").write("done"))
    ...     open(path).read()
    'done'
    """
    target = os.path.realpath(os.fspath(path))          # write through a symlink, not over it
    if os.path.isdir(target):
        raise IsADirectoryError(f"{os.fspath(path)!r} is a directory; give a file name")
    existing = os.stat(target) if os.path.exists(target) else None
    if existing is not None and not (existing.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)):
        raise PermissionError(f"{os.fspath(path)!r} is read-only (mode {stat.filemode(existing.st_mode)}); "
                              "make it writable or write under another name")
    _remove_stale_temporaries(target)
    temporary = _temporary_name(target)
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else 0o666 & ~_umask()
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))   # claim the name
        write(temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(os.path.dirname(target))
    return target
