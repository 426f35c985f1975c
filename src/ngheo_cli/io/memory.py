"""How much memory classifying a file whole needs, and how much this machine has free.

A run that would not fit is classified in chunks (CSV and Parquet) or refused with a message,
before anything is read: never killed halfway by the system. The needs are measured (bench/,
BENCHMARKS.md "Memory"): a whole-file run peaks at about 0.25 GB to start, 1 KB per household
and 2.4 bytes per byte of CSV text (the cells, their typed copies, the roster and the problems),
rounded up here so the estimate errs on the side of chunks.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ngheo_cli.errors import InputError
from ngheo_cli.io.relations import another_than_the_head, relation_position

MEMORY_AT_START = 400 * 2**20
MEMORY_PER_HOUSEHOLD = 1536
MEMORY_PER_TEXT_BYTE = 2.5
_TEXT_BYTES_PER_PARQUET_CELL = 12  # Parquet is compressed: its cells as text, about this long


def available_memory() -> int | None:
    """Bytes of memory the system can still give: Linux (/proc/meminfo) and Windows
    (GlobalMemoryStatusEx); None where unknown (then nothing is refused or chunked by itself)."""
    if sys.platform == "win32":
        return _windows_available_memory()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _memory_status():
    """Windows' MEMORYSTATUSEX structure, sized as the call requires."""
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_uint32), ("dwMemoryLoad", ctypes.c_uint32)] + [
            (name, ctypes.c_uint64) for name in ("ullTotalPhys", "ullAvailPhys", "ullTotalPageFile", "ullAvailPageFile",
                                                 "ullTotalVirtual", "ullAvailVirtual", "ullAvailExtendedVirtual")
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    return status


def _windows_available_memory() -> int | None:
    import ctypes

    status = _memory_status()
    try:
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
            return int(status.ullAvailPhys)
    except (AttributeError, OSError):
        return None
    return None


def estimated_rows(path: Path) -> int:
    """Rows of a CSV (from the size and the first lines) or a Parquet file (exact)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return _rows_in(path, _head(path))


def _rows_in(path: Path, head: bytes) -> int:
    """A CSV's rows, from its size and its first bytes' lines."""
    lines = max(head.count(b"\n"), 1)
    return int(path.stat().st_size * lines / max(len(head), 1))


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(1 << 16)


def households_share(head: bytes) -> float:
    """Of a CSV's first rows (`head`, its first bytes) below the header, the share that are
    households' rows: in a persons list (a "Quan hệ với chủ hộ" column, io/persons.py) those
    whose relationship is blank or the head's; 1 in any other list. (Read with the csv module,
    as commas, semicolons or tabs separate it: the engine is not loaded yet.)"""
    import csv

    lines = head.decode("utf-8-sig", errors="replace").splitlines()[:-1]  # (the last may be cut)
    for delimiter in (",", ";", "\t"):
        rows = list(csv.reader(lines, delimiter=delimiter))
        for number, row in enumerate(rows[:30]):
            relation = relation_position({position: [cell] for position, cell in enumerate(row)})
            if relation is not None:
                return _share_of_households([row[relation] if relation < len(row) else "" for row in rows[number + 1:]])
    return 1.0


def parquet_households_share(path: Path) -> float:
    """households_share of a Parquet file: its columns' names are its header, and the first
    10,000 rows of its relationship column, if it has one, are read."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    relation = relation_position({position: [name] for position, name in enumerate(names)})
    if relation is None or not parquet.metadata.num_rows:
        return 1.0
    first = next(parquet.iter_batches(batch_size=10_000, columns=[names[relation]]))
    return _share_of_households(["" if value is None else str(value) for value in first.column(0).to_pylist()])


def _share_of_households(relations: list[str]) -> float:
    """The share of rows whose relationship is blank or the head's (not another member's)."""
    others = sum(1 for text in relations if text.strip() and another_than_the_head(text))
    return 1 - others / len(relations) if relations else 1.0


def memory_needed(path: Path, members: bool = False) -> float:
    """Bytes a whole-file run needs for this CSV or Parquet file (0 for a workbook: those are
    bounded by their own size limit). A members file adds only its text; so do a persons list's
    members' rows (in a persons list 1,000,000 households used 1.7 GB: BENCHMARKS.md)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            head = _head(path)
            rows, text = _rows_in(path, head), path.stat().st_size
            if not members:  # (a persons list: most rows are members, which cost less than households)
                rows = int(rows * households_share(head))
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            metadata = pq.ParquetFile(path).metadata
            rows, text = metadata.num_rows, metadata.num_rows * metadata.num_columns * _TEXT_BYTES_PER_PARQUET_CELL
            if not members:
                rows = int(rows * parquet_households_share(path))
        else:
            return 0.0
    except Exception:  # unreadable: reading it says why, in the user's terms
        return 0.0
    if members:
        return MEMORY_PER_TEXT_BYTE * text
    return MEMORY_AT_START + MEMORY_PER_HOUSEHOLD * rows + MEMORY_PER_TEXT_BYTE * text


def fits_in_memory(needed: float) -> tuple[bool, int | None]:
    """Whether `needed` bytes are free (True where unknown), and how many are."""
    available = available_memory()
    return available is None or needed <= available, available


def check_memory_for(path: Path, members: bool = False) -> None:
    """Refuse a file too big to classify in this machine's memory, before trying and being
    killed halfway: a clear message instead of running out of memory."""
    needed = memory_needed(path, members)
    fits, available = fits_in_memory(needed)
    if not fits:
        raise InputError(
            f"{path}: needs about {needed / 1024**3:.1f} GB of memory to classify, and {available / 1024**3:.1f} GB is free",
            "classify it in chunks (--chunk-size 200000, CSV or Parquet), or split it by ward",
        )


def prefer_jemalloc() -> str:
    """Arrow's memory from jemalloc where this pyarrow has it (its Linux and macOS builds), unless
    ARROW_DEFAULT_MEMORY_POOL says otherwise; the name of the allocator in use.

    Why: the default, mimalloc, hands memory back to the system 10 ms after it is freed, so the
    CSV reader's blocks and the roster's CSV slices, freed and asked for again, come back as fresh
    memory, which costs about its size in page faults. jemalloc keeps it for a second. A city's
    file (1,000,000 households) spent 3.8-4.6 s of system time with mimalloc, 2.1-3.1 s with
    jemalloc, and peaked 100 MB lower (BENCHMARKS.md)."""
    import os

    import pyarrow as pa

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # a build without it (Windows): the default stays
            pass
    return pa.default_memory_pool().backend_name
