"""Writing rosters, summaries and problem lists: atomically, never over an input.

Every file is written to a temporary file in the target folder and renamed into place, so a
crash leaves either the old file or the new one, never half of one. In xlsx the headers are
Vietnamese (what officers read); in CSV, JSON and Parquet they are the stable ids (what scripts
read). Text that starts with = + - @ is written so that no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import IO, Callable, Iterator

import numpy as np
import pandas as pd

from ngheo_cli.errors import OutputError
from ngheo_cli.frames import first_bytes
from ngheo_cli.io.targets import atomic_file
from ngheo_cli.parallel import thread_map, usable_cores

XLSX_MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header row included
_FORMULA_START = ("=", "+", "-", "@")
_FORMULA_BYTES = np.frombuffer("".join(_FORMULA_START).encode("ascii"), dtype=np.uint8)


def safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would read as a formula with an apostrophe (the
    columns looked at side by side, in threads)."""
    out = frame.copy(deep=False)  # columns are replaced, never changed in place (copy-on-write)
    names = list(out.columns)
    for name, safe in zip(names, thread_map(_safe_column, [out[name] for name in names])):
        if safe is not None:
            out[name] = safe
    return out


def _safe_column(values: pd.Series) -> pd.Series | None:
    """A column's text with formula starts prefixed; None where it has none (or is no text)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):  # checked on Arrow's bytes, no Python strings
        text = values.array._pa_array
        risky_rows = np.isin(first_bytes(text), _FORMULA_BYTES)  # (every formula start is one ASCII byte)
        if not risky_rows.any():
            return None
        import pyarrow as pa
        import pyarrow.compute as pc

        risky = pa.chunked_array([pa.array(risky_rows)])
        quote, nothing = pa.scalar("'", text.type), pa.scalar("", text.type)
        prefixed = pc.if_else(risky, pc.binary_join_element_wise(quote, text, nothing), text)
        return pd.Series(pd.arrays.ArrowStringArray(prefixed), index=values.index)
    if values.dtype in ("string", "str", object):
        text = values.astype("string")
        risky = text.str.startswith(_FORMULA_START).fillna(False).astype(bool)
        if risky.any():
            return text.mask(risky, "'" + text)
    return None


def csv_bytes(frame: pd.DataFrame, header: bool = True) -> bytes:
    """UTF-8 CSV with a header of ids, text quoted, blank for missing values (see csv_parts)."""
    return b"".join(csv_parts(frame, header))


def csv_parts(frame: pd.DataFrame, header: bool = True) -> Iterator:
    """The CSV of a frame in consecutive pieces (bytes-like), each in memory of its own, to be
    kept (a chunk's roster) or joined; to write them out one after the other, write_csv is lighter.

    Written by pyarrow, about ten times faster than pandas' to_csv (BENCHMARKS.md), in slices
    side by side (the writer lets go of Python's lock); a frame Arrow cannot type (a column
    mixing numbers and text) falls back to pandas."""
    for piece, _ in _csv_pieces(frame, header, None):
        yield piece


def write_csv(frame: pd.DataFrame, write: Callable[[memoryview], object], header: bool = True) -> None:
    """`write(piece)` for each piece of the frame's CSV (csv_parts' CSV), in order: into a file,
    stdout. A piece is valid only until `write` returns: its memory is written again for a later
    piece. (Memory asked for afresh costs about its size again in page faults here: a million
    households' roster, 255 MB, took 0.74-0.82 s in a buffer of its own per slice and 0.41-0.54 s
    in reused ones, each the first write of a process; BENCHMARKS.md.)"""
    buffers = _ReusedBuffers()
    for piece, buffer in _csv_pieces(frame, header, buffers):
        write(piece)
        buffers.give_back(buffer)


def _csv_pieces(frame: pd.DataFrame, header: bool, buffers: _ReusedBuffers | None) -> Iterator[tuple]:
    """(piece, the reused buffer it is in or None) for each slice of the frame's CSV, in order."""
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    safe = safe_text(frame)
    try:
        table = pa.Table.from_pandas(safe, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = io.StringIO()
        safe.to_csv(text, index=False, lineterminator="\n", header=header)
        yield text.getvalue().encode("utf-8"), None
        return
    del safe
    if buffers is not None:
        buffers.fit(table)

    def write(numbered_slice) -> tuple:
        number, rows = numbered_slice
        options = arrow_csv.WriteOptions(quoting_style="needed", include_header=header and number == 0,
                                         batch_size=CSV_BATCH_ROWS)
        if buffers is not None:
            written = buffers.write(rows, options)
            if written is not None:
                return written
        sink = pa.BufferOutputStream()  # Arrow's own memory, handed over without a copy (a file
        # object's write and bytes.join take it as it is)
        arrow_csv.write_csv(rows, sink, options)
        piece = sink.getvalue()
        if buffers is not None:
            buffers.outgrown(piece.size)
        return piece, None

    slices = [table.slice(start, CSV_SLICE_ROWS) for start in range(0, max(table.num_rows, 1), CSV_SLICE_ROWS)]
    # (one thread a core: Arrow's writer holds Python's lock for no part of a slice; each thread
    # more is two more slices' buffers in memory)
    yield from thread_map(write, enumerate(slices), threads=usable_cores())


CSV_SLICE_ROWS = 50_000  # 12 MB of a roster's CSV: slices are made while earlier ones are written
# rows Arrow's writer turns into text at a time: a roster's CSV took 11% less processor time in
# batches of 4,096-8,192 rows than in its default 1,024 (each batch casts every column once),
# 30% more in one batch of 50,000 (out of the processor's caches)
CSV_BATCH_ROWS = 8_192


class _ReusedBuffers:
    """Fixed-size Arrow buffers that slices' CSV is written into, each used again once its piece
    has been written out. A slice bigger than the buffers is written into memory of its own
    instead, and buffers made from then on are big enough for it."""

    def __init__(self) -> None:
        self.capacity = 1 << 20
        self.free: list = []  # (list.append and pop are atomic under Python's lock)

    def fit(self, table) -> None:
        """Buffers sized for a slice of this table: twice its bytes in Arrow's memory (a CSV
        cell is mostly as long as its text, a number's digits not longer than 8 bytes' worth)."""
        rows = max(table.num_rows, 1)
        self.capacity = max(self.capacity, 2 * table.nbytes * min(rows, CSV_SLICE_ROWS) // rows)

    def write(self, rows, options) -> tuple | None:
        """(the slice's CSV, the buffer it is in), or None when it does not fit."""
        import pyarrow as pa
        import pyarrow.csv as arrow_csv

        buffer = self._take()
        sink = pa.FixedSizeBufferWriter(buffer)
        try:
            arrow_csv.write_csv(rows, sink, options)
        except OSError:  # "Write out of bounds"; anything else happens again in memory of its own
            self.give_back(buffer)
            return None
        return memoryview(buffer)[: sink.tell()], buffer

    def _take(self):
        import pyarrow as pa

        try:
            return self.free.pop()
        except IndexError:
            return pa.allocate_buffer(self.capacity)

    def outgrown(self, size: int) -> None:
        self.capacity = max(self.capacity, size + size // 4)

    def give_back(self, buffer) -> None:
        if buffer is not None and buffer.size >= self.capacity:
            self.free.append(buffer)


def write_csv_stdout(frame: pd.DataFrame, header: bool = True) -> None:
    write_csv(frame, write_stdout, header)


def write_stdout(data: bytes) -> None:
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        _discard_the_rest(sys.stdout.fileno())


def write_fd(fd: int, data: bytes) -> None:
    """All of `data` into an open file descriptor (a chunk worker's roster into the output, or
    stdout), past Python's buffers."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except BrokenPipeError:
        _discard_the_rest(fd)


def _discard_the_rest(fd: int) -> None:
    """The reader of a pipe (head, less) stopped early: that is fine, and not worth a traceback;
    what is still written to it goes nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)


def write_table(
    path: Path,
    fmt: str,
    sheets: dict[str, pd.DataFrame],
    headers: dict[str, str],
    metadata: dict[str, str],
    protected: set[Path],
    force: bool,
) -> None:
    """Write one logical output. xlsx holds every sheet; the other formats hold the first sheet
    (metadata goes into Parquet's schema and JSON's "metadata")."""
    first = next(iter(sheets.values()))
    if fmt == "xlsx":
        _check_fits_excel(path, sheets)
    with atomic_file(path, protected, force) as handle:
        if fmt == "xlsx":
            _write_xlsx(handle, sheets, headers, metadata)
        elif fmt == "csv":
            write_csv(first, writing_to_disk(handle))
        elif fmt == "json":
            handle.write(json_document({"rows": first}, metadata))
        elif fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(first, preserve_index=False)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"ngheo": json.dumps(metadata).encode()})
            pq.write_table(table, handle)
        else:  # pragma: no cover - the CLI only passes FORMATS
            raise OutputError(f"unknown format '{fmt}'")


def writing_to_disk(handle: IO[bytes]) -> Callable[[memoryview], object]:
    """handle.write, each piece then handed to the disk at once (hand_to_disk) instead of all of
    it at the end: ext4 writes a file out in full when it is renamed over an older one, and the
    roster's rename waited 0.17-0.2 s for a city's 255 MB (0.06 s after this); eight alternated
    whole runs, median 3.41 -> 3.19 s (BENCHMARKS.md)."""

    def write(piece) -> None:
        start = handle.tell()
        handle.write(piece)
        handle.flush()
        hand_to_disk(handle.fileno(), start, len(piece))

    return write


def hand_to_disk(fd: int, start: int, length: int) -> None:
    """Ask the kernel to start writing out these bytes of an open file now (posix_fadvise). The
    advice also lets go of pages already written, but bytes just written are still being written
    then: 239 of the 243 MB of a city's roster were still in memory after the run (fincore).
    Advice only: where the system has no posix_fadvise, or the file refuses it, nothing."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        with contextlib.suppress(OSError):
            advise(fd, start, length, os.POSIX_FADV_DONTNEED)


def _check_fits_excel(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    for name, frame in sheets.items():
        if len(frame) + 1 > XLSX_MAX_ROWS:
            raise OutputError(
                f"{path}: sheet '{name}' would have {len(frame):,} rows; an Excel sheet holds at most "
                f"{XLSX_MAX_ROWS - 1:,} under its header",
                "write CSV or Parquet instead: --format csv, or -o roster.parquet",
            )


def json_document(tables: dict[str, pd.DataFrame], metadata: dict[str, str]) -> bytes:
    """Named tables in one JSON document, UTF-8: {"metadata": {...}, "<name>": [rows], ...}."""
    document: dict[str, object] = {"metadata": metadata}
    for name, frame in tables.items():
        document[name] = json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def write_json_document(
    path: Path, tables: dict[str, pd.DataFrame], metadata: dict[str, str], protected: set[Path], force: bool
) -> None:
    with atomic_file(path, protected, force) as handle:
        handle.write(json_document(tables, metadata))


def _write_xlsx(handle: IO[bytes], sheets: dict[str, pd.DataFrame], headers: dict[str, str], metadata: dict[str, str]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "nan_inf_to_errors": True})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"})
    for sheet_name, frame in sheets.items():
        sheet = workbook.add_worksheet(sheet_name[:31])
        for col, column in enumerate(frame.columns):
            sheet.write_string(0, col, headers.get(column, column), bold)
            sheet.set_column(col, col, _width(headers.get(column, column)))
        columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame.columns]
        for row_index, row in enumerate(zip(*columns), start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row_index, col, value)
                elif isinstance(value, bool):
                    sheet.write_boolean(row_index, col, value)
                else:
                    sheet.write_number(row_index, col, value)
        sheet.freeze_panes(1, 0)
        if len(frame.columns):
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    info = workbook.add_worksheet("Thông tin")
    info.set_column(0, 0, 24)
    info.set_column(1, 1, 60)
    for row_index, (key, value) in enumerate(metadata.items()):
        info.write_string(row_index, 0, key, bold)
        info.write_string(row_index, 1, str(value))
    workbook.close()


def _width(header: str) -> int:
    return max(8, min(40, len(header) // 2 + 4))
