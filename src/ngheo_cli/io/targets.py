"""Where an output may go, and how it lands: never over an input or an existing file without
--force, and atomically (a temporary file in the target folder, renamed into place), so a crash
leaves either the old file or the new one, never half of one. No pandas here: a command checks
its outputs before it loads the engine."""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ngheo_cli.errors import OutputError


def check_target(path: Path, protected: set[Path], force: bool) -> None:
    """Refuse an output over an input, over a folder, over an existing file without --force, or
    in a folder that is missing or where no file can be made (tried, not guessed from
    permissions: a read-only disk or a system folder refuses even the administrator)."""
    target = _checked_path(path, protected, force)
    try:
        tempfile.TemporaryFile(dir=target.parent).close()
    except OSError as exc:
        raise _cannot_write(path.parent, exc) from None


def _checked_path(path: Path, protected: set[Path], force: bool) -> Path:
    """check_target without trying the folder: the resolved path."""
    target = path.resolve()
    if target in protected:
        raise OutputError(f"{path}: refusing to write over an input file", "choose another --output or --out-dir")
    if target.is_dir():
        raise OutputError(f"{path}: is a folder", "give a file name, or use --out-dir for a folder")
    if target.exists() and not force:
        raise OutputError(f"{path}: already exists", "add --force to replace it, or choose --out-dir")
    if not target.parent.is_dir():
        raise OutputError(f"{path.parent}: no such folder")
    return target


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    return OutputError(f"{path}: cannot write here ({exc.strerror or exc})",
                       "check the folder's permissions and free space, or choose another --out-dir")


@contextmanager
def atomic_file(path: Path, protected: set[Path], force: bool) -> Iterator[IO[bytes]]:
    """Open a temporary file next to `path`; on success rename it to `path`. The disk refusing
    (full, read-only, no permission) is an OutputError in the user's terms, not a traceback."""
    target = _checked_path(path, protected, force)  # (the folder is tried by making the file itself)
    try:
        handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False)
    except OSError as exc:
        raise _cannot_write(path.parent, exc) from None
    try:
        with handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # as any new file: the temporary one was private
        os.replace(handle.name, target)
    except BaseException as exc:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in _DISK_REFUSALS and exc.filename in (None, handle.name, str(target)):
            raise OutputError(f"{path}: cannot be written ({exc.strerror or exc})",
                              "check the free space and the folder's permissions, or choose another --out-dir") from None
        raise


# What writing a file may meet that is the disk's doing, not ngheo's (an input that cannot be
# read raises its own errors, with its own file name, and is not one of these)
_DISK_REFUSALS = {getattr(errno, name) for name in ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG", "EIO")
                  if hasattr(errno, name)}  # (Windows has no EDQUOT)
