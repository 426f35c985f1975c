"""Reading a survey file into grids of raw cells, one per sheet.

A grid's index is the spreadsheet row number (1-based, as Excel shows it) and its columns are
positions; nothing is interpreted yet. Header detection and value parsing come after.
.xlsx/.xlsm/.xlsb/.xls/.ods are read with python-calamine (Rust): about six times faster than
openpyxl on a 100,000-row sheet. .csv is read by pyarrow (pandas reads what it refuses), .parquet by pyarrow, as text
(io/parquet.py).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ngheo_cli.errors import InputError
from ngheo_cli.io.arrow_csv import file_head, read_csv_table, sniff_delimiter
from ngheo_cli.io.early import EarlyRead
from ngheo_cli.io.memory import check_memory_for

if TYPE_CHECKING:
    from ngheo_cli.io.list_rows import TitlesAbove

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".ods"}
# An .xlsx is a zip; one that unpacks to more than this is refused before it is opened (a
# "zip bomb", or a sheet far beyond a workbook's size: use CSV or Parquet for such data).
MAX_UNPACKED_BYTES = 4 * 1024**3
_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_BOMS = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


@dataclass
class Grid:
    name: str
    cells: pd.DataFrame  # raw cell values; index = spreadsheet row number
    hidden: bool = False
    has_header_row: bool = False  # parquet: the first row is the column names, known exactly
    list_continues: bool = False  # a chunk of a longer list: rows at its end are not the list's footer
    titles_above: TitlesAbove | None = None  # a chunk of a list: how it learns of the group titles above it
    # part of a list laid out already from the file's first rows (a chunk, stream.py): a list without
    # a ward column, its wards named by group titles, is not refused here for want of one
    laid_out: bool = False
    # a chunk of a list known to be a persons list (read as one even where its rows hold no member
    # but heads) or known not to be one (its rows are not looked at as one); None: not known
    persons_list: bool | None = None
    # merged cells spanning rows: (first row, first column, last row, last column), rows numbered
    # as the index, columns as positions; only the first cell holds the value
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def read_grids(path: Path, encoding: str | None = None, members: bool = False, early: EarlyRead | None = None) -> list[Grid]:
    """`members`: the file is a members sheet (what it needs in memory is counted as such).
    `early`: where this CSV or Parquet file's reading may have been started already."""
    if not path.exists():
        raise InputError(f"{path}: no such file", "check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a survey file")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    if suffix in ZIP_SUFFIXES:
        _check_zip(path)
    check_memory_for(path, members)
    started = early.take(path) if early is not None else None
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_spreadsheet(path)
    if suffix == ".csv":
        return [_read_csv(path, encoding, started)]
    if suffix == ".parquet":
        return [_read_parquet(path, started)]
    raise InputError(
        f"{path}: unsupported file type '{path.suffix}'",
        "use .xlsx, .xls, .ods, .csv or .parquet",
    )


def _read_spreadsheet(path: Path) -> list[Grid]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        grids = []
        for meta in workbook.sheets_metadata:
            sheet = workbook.get_sheet_by_name(meta.name)
            cells = pd.DataFrame(sheet.to_python(skip_empty_area=False), dtype=object)  # (from A1)
            cells.index = pd.RangeIndex(1, len(cells) + 1)
            hidden = meta.visible != SheetVisibleEnum.Visible
            merged = [(top + 1, left, bottom + 1, right)
                      for (top, left), (bottom, right) in (sheet.merged_cell_ranges or []) if bottom > top]
            grids.append(Grid(meta.name, cells, hidden=hidden, merged=merged))
    except Exception as exc:  # calamine raises its own types for corrupt or encrypted files
        raise InputError(
            f"{path}: cannot be read as a spreadsheet ({type(exc).__name__}: {exc})",
            "open it in Excel and save it again as .xlsx without a password",
        ) from exc
    return grids


def _check_zip(path: Path) -> None:
    import zipfile

    with path.open("rb") as handle:
        if handle.read(8) == _OLE_SIGNATURE:
            raise InputError(
                f"{path}: is password-protected (encrypted), or an old .xls file renamed to {path.suffix}",
                "open it in Excel, remove the password (File > Info > Protect Workbook) and save as .xlsx",
            )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: is damaged or not really a {path.suffix} file ({exc})",
                         "open it in Excel and save it again as .xlsx") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{path}: unpacks to {unpacked / 1024**3:.1f} GB, over the {MAX_UNPACKED_BYTES / 1024**3:.0f} GB limit "
            "for a workbook (a damaged or malicious file, or data too big for Excel)",
            "export the data as CSV or Parquet",
        )


def _read_csv(path: Path, encoding: str | None, started: Future | None = None) -> Grid:
    if encoding is None:
        with path.open("rb") as handle:
            encoding = _BOMS.get(handle.read(2))  # UTF-16 files from Excel's "Unicode text"
    if encoding is None:
        fast = _read_csv_arrow(path, started)
        if fast is not None:
            return fast
    try:
        cells = pd.read_csv(
            path,
            header=None,
            sep=sniff_delimiter(file_head(path, encoding or "utf-8-sig")),
            dtype=object,
            keep_default_na=False,
            encoding=encoding or "utf-8-sig",
            skip_blank_lines=False,
        )
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start})",
            "save it as 'CSV UTF-8' from Excel, or give its encoding, e.g. --encoding cp1258 (Windows-1258)",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: not a well-formed CSV file ({exc})") from exc
    except LookupError as exc:
        raise InputError(f"unknown encoding '{encoding}'", "for example --encoding cp1258 or --encoding utf-16") from exc
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    cells.columns = pd.RangeIndex(len(cells.columns))
    return Grid(path.stem, cells)


def arrow_text_frame(table) -> pd.DataFrame:
    """An Arrow table of text columns as a frame of Arrow-backed "string" columns 0, 1, …"""
    return pd.DataFrame({i: pd.arrays.ArrowStringArray(table.column(i)) for i in range(table.num_columns)})


def _read_csv_arrow(path: Path, started: Future | None) -> Grid | None:
    """UTF-8 CSV with pyarrow's multi-threaded reader, every cell as text (Arrow-backed
    columns). None when the file is not a clean rectangle of UTF-8 text (ragged rows, bad
    bytes): the pandas reader then reads it, or explains what is wrong. `started`: the same
    read, started earlier (io/early.py)."""
    table = started.result() if started is not None else read_csv_table(path)
    if table is None:
        return None
    cells = arrow_text_frame(table)
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    return Grid(path.stem, cells)


def _read_parquet(path: Path, started: Future | None = None) -> Grid:
    from ngheo_cli.io.parquet import read_text_columns

    try:
        columns = started.result() if started is not None else read_text_columns(path)
    except Exception as exc:  # pyarrow raises its own types for a damaged or foreign file
        raise InputError(f"{path}: cannot be read as Parquet ({exc})") from exc
    cells = pd.DataFrame({i: pd.arrays.ArrowStringArray(column) for i, column in enumerate(columns)})
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    return Grid(path.stem, cells, has_header_row=True)
