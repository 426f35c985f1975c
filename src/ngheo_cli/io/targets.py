"""Where an output may go, and how it lands: never over an input or an existing file without
--force, and atomically (a temporary file in the target folder, renamed into place), so a crash
leaves either the old file or the new one, never half of one. No pandas here: a command checks
its outputs before it loads the engine."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from ngheo_cli.errors import OutputError


def check_target(path: Path, protected: set[Path], force: bool) -> None:
    """Refuse an output over an input, over an existing file without --force, or in no folder."""
    target = path.resolve()
    if target in protected:
        raise OutputError(f"{path}: refusing to write over an input file", "choose another --output or --out-dir")
    if target.exists() and not force:
        raise OutputError(f"{path}: already exists", "add --force to replace it, or choose --out-dir")
    if not target.parent.is_dir():
        raise OutputError(f"{path.parent}: no such folder")


@contextmanager
def atomic_file(path: Path, protected: set[Path], force: bool) -> Iterator[IO[bytes]]:
    """Open a temporary file next to `path`; on success rename it to `path`."""
    check_target(path, protected, force)
    target = path.resolve()
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False)
    try:
        with handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # as any new file: the temporary one was private
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
