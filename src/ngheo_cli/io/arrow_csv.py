"""CSV read by Arrow, every cell as text: the options, the whole file at once, or a block at a
time with each block parsed on all cores (chunked runs). No pandas here: a classify run starts
reading before the engine's modules are loaded (io/early.py).

pyarrow's streaming reader (`open_csv`) parses on one thread, its whole-file reader
(`read_csv`) on all of them. A file without a quote character has no line break inside a value,
so it can be cut at line ends into blocks that `read_csv` parses exactly as it parses the whole
file: the same options, with the column names given (no block's first line is taken for a
header). A file with quotes is read by the streaming reader (csv_blocks: from its first block
with a line break inside a quoted value; no scan of the whole file first).
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path
from typing import Iterator

BLOCK_BYTES = 4 << 20  # about 25,000 household rows, parsed in 1 MB pieces at once (16 MB: as fast, 100 MB more held)


def csv_arrow_options(path: Path, scan_for_quotes: bool = True) -> tuple | None:
    """pyarrow read, parse and convert options that read every cell of a UTF-8 CSV as text
    ("001" stays "001"), or None when the first line cannot be read as CSV. `scan_for_quotes`
    False: no scan of the whole file (values read as holding no line break), for csv_blocks and
    read_rows, which look for quotes block by block."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    head = file_head(path, "utf-8-sig")
    delimiter = sniff_delimiter(head)
    # A line break inside a value needs quotes; without any quote character the reader can
    # split the file on line ends and parse the pieces in parallel (3 x faster).
    stat = path.stat()
    quoted = scan_for_quotes and _has_quote(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    first = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), None)  # ("": \r alone ends lines)
    if not first:
        return None
    names = [f"c{i}" for i in range(len(first))]
    return (
        pacsv.ReadOptions(column_names=names),
        pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted, ignore_empty_lines=False),
        pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names}, strings_can_be_null=False,
                             quoted_strings_can_be_null=False),
    )


def file_head(path: Path, encoding: str) -> str:
    """The whole lines of the first 64 KB of a text file, decoded (a bad byte becomes U+FFFD:
    this is for looking at the first lines, not for reading them)."""
    with path.open("rb") as handle:
        data = handle.read(HEAD_BYTES)
        more = bool(handle.read(1))
    head = data.decode(encoding, errors="replace")
    last_break = max(head.rfind("\n"), head.rfind("\r"))
    return head[: last_break + 1] if more and last_break >= 0 else head  # (a first line longer than that: all of it)


HEAD_BYTES = 1 << 16


DELIMITERS = (",", ";", "\t")


def sniff_delimiter(head: str) -> str:
    """The field separator of a CSV file, from its first whole lines (file_head): of the comma,
    the semicolon and the tab, the one that splits every line into the same number of fields,
    the most fields (two or more); a comma when none does, or when they tie. Excel pads every row to the same
    width, and saves "CSV" with semicolons where the decimal mark is a comma (Vietnamese Windows
    among them: "43,2" unquoted, so commas split its lines unevenly), "Unicode text" with tabs.
    A file whose rows differ in width under every separator is not read as a table anyway."""
    widths: dict[str, int] = {}
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter) if row]
        except csv.Error:
            continue
        found = {len(row) for row in rows}
        if len(found) == 1 and found != {1}:
            widths[delimiter] = found.pop()
    return max(widths, key=lambda delimiter: widths[delimiter]) if widths else ","  # (max keeps the first of equals)


def read_csv_table(path: Path):
    """The whole file as an Arrow table read on all cores, or None when it is not a clean
    rectangle of UTF-8 text (ragged rows, bad bytes, no first line): pandas then reads it, or
    explains what is wrong."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = csv_arrow_options(path)
    if options is None:
        return None
    try:
        return pacsv.read_csv(path, *options)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None


@functools.lru_cache(maxsize=16)
def _has_quote(path: str, size: int, modified_ns: int) -> bool:
    """Whether the file holds a quote character, found once per version of a file (a whole-file
    read; csv_blocks, for chunks, looks block by block instead: a scan took 0.2 s at ten million
    households, 3.5 s when the file was not in the page cache)."""
    with open(path, "rb") as handle:
        return _contains(handle, b'"')


def _contains(handle, needle: bytes, block: int = 1 << 20) -> bool:
    """Whether the rest of an open binary file holds `needle` (a one-byte needle: blocks read
    into one reused buffer; mapping the file cost a page fault per 4 KB, 0.05-0.5 s for 260 MB)."""
    buffer = bytearray(block)
    view = memoryview(buffer)
    while True:
        read = handle.readinto(view)
        if not read:
            return False
        if buffer.find(needle, 0, read) >= 0:
            return True


def csv_tables(path: Path, options: tuple, block_bytes: int | None = None) -> Iterator:
    """The file's rows as Arrow tables, in order. `options`: csv_arrow_options(path);
    `block_bytes`: default BLOCK_BYTES."""
    return (table for table, _ in csv_blocks(path, options, block_bytes))


def csv_blocks(path: Path, options: tuple, block_bytes: int | None = None) -> Iterator[tuple]:
    """As csv_tables, each table with the bytes of the file it was parsed from, (start, end):
    read_rows reads the same rows again from those bytes alone. Blocks are cut at line ends while
    no quoted value holds a line break (quotes around values with commas are fine); from the
    first block where one does, the streaming reader reads the rest of the file, and its tables
    come with None."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read, parse, convert = options
    if parse.newlines_in_values:
        yield from _streamed(path, options, 0)
        return
    block_bytes = block_bytes or BLOCK_BYTES
    with path.open("rb") as handle:
        carry, start = b"", 0  # (start: where in the file the block begins)
        while True:
            data = handle.read(block_bytes)
            block = carry + data if carry else data
            if data:
                end = _after_last_line_end(block)
                if end == 0:
                    carry = block  # not one whole line yet
                    continue
            elif block:  # the end: a last line without a line end
                end = len(block)
            else:
                return
            piece = pa.BufferReader(memoryview(block)[:end])
            if block.find(b'"', 0, end) < 0:
                table = pacsv.read_csv(piece, read, parse, convert)
            else:  # (title rows, names with commas): read as the streaming reader would, in one piece
                try:
                    table = pacsv.read_csv(piece, read, _with_line_breaks(parse), convert)
                except pa.ArrowInvalid:  # (a row cut short inside a quoted value; or ragged: the reader says)
                    table = None
                if table is None or _breaks_lines(table):  # a quoted value holds a line break, or was cut at one
                    yield from _streamed(path, options, start)
                    return
            yield table, (start, start + end)
            if not data:
                return
            carry = block[end:]
            start += end


def _streamed(path: Path, options: tuple, start: int) -> Iterator[tuple]:
    """The rows from byte `start` (a line's start) to the end, read by the streaming reader with
    line breaks allowed inside quoted values."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read, parse, convert = options
    with pa.OSFile(str(path)) as source:
        source.seek(start)
        for batch in pacsv.open_csv(source, read, _with_line_breaks(parse), convert):
            yield pa.Table.from_batches([batch]), None


def _with_line_breaks(parse):
    import pyarrow.csv as pacsv

    return pacsv.ParseOptions(delimiter=parse.delimiter, quote_char=parse.quote_char, double_quote=parse.double_quote,
                              escape_char=parse.escape_char, newlines_in_values=True,
                              ignore_empty_lines=parse.ignore_empty_lines)


def _breaks_lines(table) -> bool:
    """Whether a value holds a line break. A block read with line breaks allowed in quoted values
    that has none reads the same with them not allowed (read_rows), as its lines are its rows; a
    block cut inside a quoted value ends in one that holds the line break it was cut at."""
    import pyarrow.compute as pc

    return any(pc.any(pc.match_substring_regex(column, "[\r\n]")).as_py() for column in table.columns)


def read_rows(path: Path, options: tuple, start: int, end: int):
    """The rows in bytes start to end of a file (a run of csv_blocks' blocks, with no line
    break inside a quoted value), as csv_blocks parsed them: `options` from csv_arrow_options
    with scan_for_quotes False."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    return pacsv.read_csv(pa.BufferReader(data), *options)


def _after_last_line_end(block: bytes) -> int:
    """Where the block's last whole line ends (0: none does). Lines end in "\\n" or "\\r\\n", or
    in "\\r" alone (old Mac files); a "\\r" as the block's last byte may be the first half of a
    "\\r\\n" cut in two, so it never ends a line here."""
    newline = block.rfind(b"\n")
    if newline >= 0:
        return newline + 1
    return block.rfind(b"\r", 0, len(block) - 1) + 1
