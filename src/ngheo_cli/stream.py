"""Classifying a survey too big for memory, chunk by chunk: CSV or Parquet, households file and
members file, for a city or the country.

Memory is bounded by the chunk (about 5 KB per household of it, members included, for each of
the `jobs` chunks classified at once) plus 40-50 bytes per household of the file while the
ids are hashed and sorted and the members placed (_HouseholdIndex), let go of before the chunks
are classified, whatever the order of the members file:

1. ids: read the household ids once; find the ids used twice in the whole file, and where each
   id's household will be classified (its chunk), and where each chunk's rows are in the file;
2. members: read the members' ids once, each run of one household's members compared with the
   next household's id, or searched for (_HouseholdIndex). A file that lists them chunk after
   chunk (household order, the usual case) but for a few strays is left where it is: each
   chunk's worker reads its stretch of rows itself, the strays' cells are read once and handed
   to their chunks. Any other file is read again and each member put, by its household id, into
   a temporary file for its chunk. Members whose household is nowhere go with the last chunk,
   where they are reported exactly as a whole-file run reports them;
3. households: chunk by chunk, each with its members, classified by the same pipeline as a
   whole file, in `jobs` worker processes at once. A worker reads its chunk's rows from the
   file itself (a CSV file, up to a quoted value with a line break in it; the rest of such a
   file, and Parquet, are read by the parent and handed over) and
   writes the roster, as CSV, into the output in file order (else it goes to `write_roster`).

The ward summary is added up from each chunk's counts, so it equals the whole-file summary;
rows keep their spreadsheet numbers. The title and header rows of the first chunk are put in
front of every later chunk, so each chunk is found, checked and numbered like the whole file;
the rows after the last household id (a totals row, the signature block) go with the last
household's chunk, and only that chunk looks for the list's end. A list grouped under ward and
hamlet titles ("I. PHƯỜNG CẦU GIẤY", "Tổ dân phố 5") gives its households the title above them:
each chunk passes its own titles down to the chunks below it (_TitlesPassed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import json
import multiprocessing
import os
import tempfile
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd

from ngheo_cli.choices import STREAMABLE
from ngheo_cli.errors import InputError, NgheoError
from ngheo_cli.frames import (
    SortedHashes,
    arrow_text,
    filled,
    hash_texts,
    runs,
    stable_order,
    tied_positions,
)
from ngheo_cli.io.arrow_csv import csv_arrow_options, csv_blocks, csv_tables, read_rows
from ngheo_cli.io.cells import normalised_nonblank, parse_text
from ngheo_cli.io.layout import find_survey
from ngheo_cli.io.list_rows import cell_text
from ngheo_cli.io.memory import available_memory
from ngheo_cli.io.parquet import data_columns, text_table
from ngheo_cli.io.persons import not_the_head, persons_among
from ngheo_cli.io.relations import relation_position
from ngheo_cli.io.workbook import Grid, arrow_text_frame
from ngheo_cli.io.writers import csv_parts, hand_to_disk, write_fd
from ngheo_cli.issues import Problem, ProblemLog
from ngheo_cli.parallel import default_threads, limit_threads, read_ahead, usable_cores
from ngheo_cli.pipeline import (
    Counts,
    RunResult,
    direct_answer_headers,
    run_classification,
)
from ngheo_cli.schema import INCOME_SOURCES
from ngheo_cli.standards.load import CompiledStandard
from ngheo_cli.summary import add_counts, finish_summary, merged_wards
from ngheo_cli.ward_names import described


@dataclass
class StreamedRun:
    """What a chunked run gives besides the roster it wrote: as RunResult, without the roster."""

    summary: pd.DataFrame
    problems: ProblemLog
    counts: Counts
    first: RunResult  # the first chunk's run: standard, review year, metadata
    chunks: int
    wards_merged: str  # the whole file's ward spellings counted under another (ward_names.described)


CHUNK_BYTES_PER_HOUSEHOLD = 5 * 1024  # a chunk's working set, members included (BENCHMARKS.md)
LAYOUT_ROWS = 1_000  # the rows a file's title and header rows are looked for in, whatever the chunk size
# (reading a first chunk of 250,000 households and 1,000,000 members for it took 0.7 s before any other work)


def default_jobs(chunk_rows: int) -> int:
    """As many chunks at once as there are cores, and as fit in half the free memory."""
    free = available_memory()
    fit = int(free / 2 // (chunk_rows * CHUNK_BYTES_PER_HOUSEHOLD)) if free else usable_cores()
    return max(1, min(usable_cores(), fit))


def batches(path: Path, rows: int, header_rows: int = 0, columns: list[int] | None = None,
            ahead: bool = False, blocks: list | None = None) -> Iterator[pd.DataFrame]:
    """The raw cells of a CSV or Parquet file, `rows` rows at a time (the first batch also holds
    the `header_rows` title and header rows), as text columns indexed by spreadsheet row
    (1-based; a Parquet file's column names are row 1) and labelled by their position in the
    file. `columns`: only these positions (the others are still parsed, never built). `ahead`:
    the file is read in a background thread while the caller works on a batch (for a caller
    that reads the whole file: leaving early waits for the batch being read). `blocks`: a list
    given here gets the bytes each block of a CSV file was read from, with its rows,
    (start, end, rows), or None for a block of a file read by the streaming reader (see
    _chunk_rows)."""
    suffix = path.suffix.lower()
    if suffix not in STREAMABLE:
        raise InputError(f"{path}: --chunk-size reads .csv or .parquet files", "save the survey as CSV UTF-8")
    import pyarrow as pa

    if suffix == ".parquet":
        import pyarrow.parquet as pq

        reader = pq.ParquetFile(path)
        stored = data_columns(reader.schema_arrow)
        columns = list(range(len(stored))) if columns is None else columns
        names = [stored[i] for i in columns]
        header = pa.table({n: pa.array([n], type=pa.large_string()) for n in names})
        pieces = (text_table(pa.Table.from_batches([b])) for b in reader.iter_batches(batch_size=rows, columns=names))
        tables = itertools.chain([header], pieces)
    else:
        options = csv_arrow_options(path, scan_for_quotes=False)  # (csv_blocks finds quotes itself)
        if options is None:
            raise InputError(f"{path}: --chunk-size needs a UTF-8 CSV file", "save it as 'CSV UTF-8' from Excel")
        if columns is not None:
            options[2].include_columns = [f"c{i}" for i in columns]  # (csv_arrow_options names column i "c<i>")
        tables = csv_tables(path, options) if blocks is None else _noting(csv_blocks(path, options), blocks)
    frames = _regroup(tables, rows, header_rows, columns)
    try:
        yield from read_ahead(frames) if ahead else frames
    except pa.ArrowInvalid as exc:
        if suffix == ".parquet":
            raise InputError(f"{path}: cannot be read as Parquet ({exc})") from exc
        raise InputError(f"{path}: not a well-formed CSV file ({exc})", "every row needs the same number of fields") from exc


def _noting(blocks_read: Iterator[tuple], noted: list) -> Iterator:
    for table, span in blocks_read:
        noted.append(None if span is None else (*span, table.num_rows))
        yield table


def _regroup(tables: Iterator, rows: int, header_rows: int = 0, columns: list[int] | None = None) -> Iterator[pd.DataFrame]:
    import pyarrow as pa

    pending, count, start, wanted = [], 0, 1, rows + header_rows
    for table in tables:
        pending.append(table)
        count += table.num_rows
        while count >= wanted:
            joined = pa.concat_tables(pending)
            yield _frame(joined.slice(0, wanted), start, columns)
            start += wanted
            rest = joined.slice(wanted)
            pending, count, wanted = [rest], rest.num_rows, rows
    if count:
        yield _frame(pa.concat_tables(pending), start, columns)


def _frame(table, start: int, columns: list[int] | None = None) -> pd.DataFrame:
    frame = arrow_text_frame(table)  # chunks not combined here: the parsers combine a column when they need to
    frame.index = pd.RangeIndex(start, start + len(frame))
    if columns is not None:
        frame.columns = columns
    return frame


def _household_ids(frame: pd.DataFrame, table_position: int) -> pd.Series:
    """Household ids as the checker normalises them (NA for a blank cell)."""
    return parse_text(frame[table_position])[0]


def _id_hashes(frame: pd.DataFrame, table_position: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The household ids of a batch as the checker normalises them, hashed to 64 bits, once per
    run of equal neighbouring cells (a members file lists a household's members together):
    whether each run holds an id, its hash (0 where none), and each row's run (None when every
    row is a run of its own)."""
    heads, run_of = runs(arrow_text(frame[table_position]))
    positions, ids = normalised_nonblank(heads)
    has_id = np.zeros(len(heads), dtype=bool)
    has_id[positions] = True
    hashes = np.zeros(len(heads), dtype=np.uint64)
    hashes[positions] = hash_texts(ids)
    return has_id, hashes, run_of


@dataclass
class _Layout:
    prefix: pd.DataFrame  # title and header rows of the first chunk, with their row numbers
    id_position: int  # raw column of the household id
    sheet: str
    numbering: list[Problem]  # the form's row of column numbers, skipped (column_numbers_row), if it has one
    persons: bool = False  # a persons list (io/persons.py): chunks are cut where a household starts
    relation: int | None = None  # a persons list's column of each person's relationship to the head
    incomes: list[int] = dataclasses.field(default_factory=list)  # and its households' income columns
    # the columns that, all blank, make a row one without a ward (a totals row may be one): the ward's
    # or, in a ward's own list without that column, the incomes' (as io/layout.py reads rows)
    ward_columns: list[int] = dataclasses.field(default_factory=list)

    @property
    def body_from(self) -> int:
        """The first row that may hold a record: below the header and the form's column numbers."""
        return (self.numbering[0].row if self.numbering else int(self.prefix.index[-1])) + 1


def _layout_of(first: pd.DataFrame, name: str, is_members: bool, households_prefix: Grid | None,
               members_given: bool = False) -> _Layout:
    grid = Grid(name, first, has_header_row=False)
    if is_members:
        survey = find_survey([households_prefix], {}, name, [grid])
        table = survey.members
    else:
        survey = find_survey([grid], {}, name)
        table = survey.households
    numbering = [problem for problem in table.skipped if problem.code == "column_numbers_row"]
    # (with a members file, a whole run reads such a list as households: so do the chunks)
    persons = not is_members and survey.members is not None and not members_given
    prefix = first.loc[: table.header_row]
    incomes = [table.positions[column] for column in INCOME_SOURCES if column in table.positions]
    ward_columns = [table.positions["ward"]] if "ward" in table.positions else incomes
    if not persons:
        return _Layout(prefix, table.positions["household_id"], table.sheet, numbering, ward_columns=ward_columns)
    relation = relation_position({int(p): [cell_text(cell) for cell in prefix[p]] for p in prefix.columns})
    return _Layout(prefix, table.positions["household_id"], table.sheet, numbering, True, relation, incomes,
                   ward_columns)


def _body(frame: pd.DataFrame, layout: _Layout) -> pd.DataFrame:
    """The rows of a batch below the title and header rows and the form's column numbers (a
    slice, not a copy): the records, whose ids the passes over the whole file read."""
    return frame.iloc[max(layout.body_from - int(frame.index[0]), 0):] if len(frame) else frame


def _not_households(body: pd.DataFrame, layout: _Layout, present: np.ndarray, direct: dict) -> np.ndarray:
    """Of a batch's rows with a household id (`present`), those a whole run does not read as
    households: a list's title, a totals row ("Tổng cộng" typed under Mã hộ), a group title with
    its number or name under Mã hộ ("1 | Tổ dân phố 1"), a repeated header. Only a row without a
    ward can be one (io/list_rows.py): such rows are laid out under the list's header rows as a
    chunk is, and those it does not keep as records are the answer. Their ids are no household's:
    counted, a household "1" under the title "1 | Tổ dân phố 1" was a duplicate in chunks, and its
    members went to the title's chunk."""
    candidates = present.copy()
    if layout.ward_columns:
        candidates &= ~filled(body[layout.ward_columns]).any(axis=1).to_numpy()
    if not candidates.any():
        return candidates
    grid = Grid(layout.sheet, pd.concat([layout.prefix, body[candidates]]), list_continues=True, laid_out=True,
                persons_list=False)
    kept = find_survey([grid], direct, layout.sheet).households.cells.index
    return candidates & ~np.isin(body.index.to_numpy(), kept.to_numpy())


def _with_prefix(layout: _Layout, rows: pd.DataFrame) -> pd.DataFrame:
    return rows if rows.index[0] <= layout.prefix.index[-1] else pd.concat([layout.prefix, rows])


def classify_in_chunks(
    households_path: Path,
    members_path: Path | None,
    standard: CompiledStandard,
    chunk_rows: int,
    write_roster: Callable[[object, int], None],
    *,
    year: int | None = None,
    strict: bool = False,
    lang: str = "vi",
    report: Callable[[str, float], None] | None = None,
    jobs: int = 1,
    roster_fd: int | None = None,
) -> StreamedRun:
    """Classify chunk by chunk; `write_roster(part, chunk_number)` gets each chunk's roster as
    CSV, in consecutive pieces (bytes-like; the header in chunk 0's first). `jobs`: chunks
    classified at once, in worker processes. `roster_fd`: an open file (descriptor) that the
    worker processes write their chunks' rosters into themselves, in chunk order, instead of
    handing them to `write_roster`."""
    report = report or (lambda phase, fraction: None)
    name = households_path.name
    first = next(batches(households_path, LAYOUT_ROWS))
    households_layout = _layout_of(first, households_path.stem, False, None, members_path is not None)

    # 1. ids: every household's chunk, and the ids used twice in the whole file; and which
    # columns hold data somewhere (a whole-file run keeps an extra column only then)
    hashes, rows, chunk_of, households_in = [], [], [], []
    direct = direct_answer_headers(standard)
    named = _extra_columns(households_layout, first, households_path.stem, direct)
    named_positions = [position for _, position in named]
    has_data = np.zeros(len(named), dtype=bool)  # of each named extra column, somewhere in the file
    header_rows = len(households_layout.prefix)  # so that every chunk holds chunk_rows rows below the header
    persons = households_layout.persons
    persons_columns = [households_layout.relation, *households_layout.incomes] if persons else []
    # the others are not built (a list of households: all of them, for the rows without a ward)
    needed = sorted({households_layout.id_position, *named_positions, *persons_columns}) if persons else list(first.columns)
    blocks: list = []  # the bytes of the file each block was read from: where each chunk's rows are
    above, starts, total_rows = None, [], 0  # (a persons list: the household above a batch, where each starts)
    for number, frame in enumerate(batches(households_path, chunk_rows, header_rows, needed, ahead=True, blocks=blocks)):
        total_rows = int(frame.index[-1]) if len(frame) else total_rows
        body = _body(frame, households_layout)
        present, id_hashes = _row_hashes(body, households_layout.id_position)  # (an id on neighbouring rows: a duplicate, each row counted)
        if not persons:
            present &= ~_not_households(body, households_layout, present, direct)
        if persons:  # a household is its rows with an id but its members' (the same id again on a member's row)
            found = persons_among(id_hashes, not_the_head(body[households_layout.relation]),
                                  [_row_hashes(body, income)[1] for income in households_layout.incomes], 0, above)
            present &= ~found.persons
            above = found.above
            starts.append(body.index.to_numpy()[found.first_of_run])
        # (a persons list's household columns: its households' rows', all but its members')
        has_data |= filled(body[named_positions][~found.persons] if persons else body[named_positions]).any(axis=0).to_numpy()
        hashes.append(id_hashes[present])
        rows.append(body.index.to_numpy()[present])
        chunk_of.append(np.full(int(present.sum()), number, dtype=np.int32))
        if not persons:  # (a persons list's chunks are cut where households start: _household_stretches)
            households_in.append(bool(present.any()))
    first_rows = np.concatenate(rows)
    if persons:  # chunks of about chunk_rows rows, each cut where a household starts
        stretches = _household_stretches(np.concatenate(starts), chunk_rows, header_rows, total_rows)
        chunk_of = [np.searchsorted([first for first, _ in stretches], first_rows - 1, side="right").astype(np.int32) - 1]
        chunks = len(stretches)
    else:
        # The rows after the file's last household id (a totals row, the signature block) go with
        # the chunk that holds it, so that they are judged as a whole-file run judges them
        # ("Tổng cộng" typed under Mã hộ is no household there: the list's totals row.) A list with
        # no household id at all is one chunk: a whole run reads every row of it as below its last
        # household, and any of them may be its footer
        with_ids = [number for number, any_household in enumerate(households_in) if any_household]
        chunks = with_ids[-1] + 1 if with_ids else 1
        stretches = None
    index = _HouseholdIndex.of(np.concatenate(hashes), np.concatenate(chunk_of))
    del hashes, chunk_of
    duplicate_rows = index.duplicate_rows(first_rows)
    del rows, first_rows
    extras = [name for (name, _), kept in zip(named, has_data) if kept]
    report("validate", 0.1)

    with tempfile.TemporaryDirectory(prefix="ngheo-chunks-") as scratch:
        # 2. members, each with its household's chunk: where each chunk's members are, when the
        # file lists them in household order (the usual case); else spread into scratch files
        members_layout, member_rows = None, None
        if members_path is not None:
            members_layout = _members_layout(members_path, households_layout)
            member_rows = _members_in_chunk_order(members_path, chunk_rows, members_layout, index, chunks)
            if member_rows is None:
                _spread_members(members_path, chunk_rows, members_layout, index.again(), chunks, Path(scratch))
        del index  # (the chunks need only the ids used twice: 30-odd bytes per household let go of
        # before the workers are forked)
        report("validate", 0.2)

        # 3. households, chunk by chunk, `jobs` chunks at a time; results are taken in order
        # (each chunk read where it is classified, from its bytes of the file, when csv_blocks
        # could read them in blocks; else read here and handed over)
        if stretches is None:
            spans = _chunk_rows(blocks, chunk_rows, header_rows)
            read_here = batches(households_path, chunk_rows, header_rows)
        else:
            spans = _rows_between(blocks, stretches)
            read_here = _frames_between(batches(households_path, chunk_rows, header_rows), stretches)
        chunk_sources = _tail_joined(spans if spans is not None else read_here, chunks)
        job = _ChunkJob(households_path.stem, name, households_path, households_layout, members_path, members_layout,
                        member_rows, Path(scratch), standard, extras, duplicate_rows, chunks, year,
                        (dt.date.today().year, "today"), strict, lang)
        parts, problems, totals, first_run = [], ProblemLog(), None, None
        if members_layout is not None:  # (no chunk's members have that row: the households' is in chunk 0's rows)
            problems.extend(members_layout.numbering)
        for number, done in enumerate(_run_chunks(job, chunk_sources, jobs, roster_fd)):
            for part in done.roster_csv or ():  # (None: a worker wrote it to roster_fd)
                write_roster(part, number)
            first_run = first_run or done.run
            parts.append(done.run.ward_counts)
            problems.add_log(done.run.problems)
            totals = done.run.counts if totals is None else _add(totals, done.run.counts)
            report("classify", 0.2 + 0.75 * (number + 1) / chunks)
    assert first_run is not None and totals is not None
    problems.add_up("persons_list")  # (each chunk counted its own members' rows)
    problems.drop_repeats()  # header-level problems are found again in every chunk
    first_run.standard = standard
    by_ward = add_counts(parts)
    renamed = merged_wards(by_ward[0])
    summary = finish_summary(*by_ward, lang, renamed)
    return StreamedRun(summary, problems, totals, first_run, chunks, described(renamed))


@dataclass
class _ChunkJob:
    """What every chunk's run shares (inherited by forked workers, never pickled)."""

    sheet_name: str
    source_name: str
    households_path: Path
    households: _Layout
    members_path: Path | None
    members: _Layout | None
    member_rows: _MembersInPlace | None  # where each chunk's members are in the file; None: in scratch files
    scratch: Path
    standard: CompiledStandard
    extras: list[str]  # the whole file's extra columns, in every chunk's roster
    duplicate_rows: dict[int, list[int]]  # id hash -> rows, for the ids used twice in the file
    chunks: int
    year: int | None
    default_year: tuple[int, str]  # the same "today" for every chunk
    strict: bool
    lang: str
    parent: int = dataclasses.field(default_factory=os.getpid)  # the process that runs the chunks


@dataclass
class _ChunkDone:
    roster_csv: list | None  # the roster's CSV, in consecutive pieces (bytes-like); None: the worker wrote it (_InTurn)
    run: RunResult  # without its roster and standard (the parent has both)


@dataclass(frozen=True)
class _ChunkRows:
    """Where a chunk's rows are in a CSV file: the bytes `start` to `end` (whole blocks as the
    ids pass read them, without line breaks inside quoted values), of whose rows the chunk is
    `count` from `skip` on; its first is row `first_row` of the file (1-based, as the spreadsheet
    numbers it)."""

    start: int
    end: int
    skip: int
    count: int
    first_row: int

    def read(self, path: Path) -> pd.DataFrame | None:
        """The rows as batches() gives them; None for no rows."""
        if not self.count:
            return None
        options = csv_arrow_options(path, scan_for_quotes=False)  # (no line break inside its blocks' values)
        table = read_rows(path, options, self.start, self.end).slice(self.skip, self.count)
        return _frame(table, self.first_row)


def _chunk_rows(blocks: list, chunk_rows: int, header_rows: int) -> list[_ChunkRows] | None:
    """The rows of each chunk that batches(path, chunk_rows, header_rows) gives, in the blocks
    the ids pass read; None when a block has no bytes to read it from again (read by the
    streaming reader, after a quoted value with a line break; or Parquet)."""
    total = sum(block[2] for block in blocks if block is not None)
    cuts = [0, *range(min(chunk_rows + header_rows, total), total, chunk_rows), total] if total else [0]
    return _rows_between(blocks, list(zip(cuts[:-1], cuts[1:])))


def _rows_between(blocks: list, stretches: list[tuple[int, int]]) -> list[_ChunkRows] | None:
    """The rows of each stretch (first, stop) of row indexes of the file (0-based) in `blocks`,
    as csv_blocks read them, (start, end, rows) each; None when a block is None (no bytes to
    read it from again)."""
    if not blocks or any(block is None for block in blocks):
        return None
    starts, ends, counts = (np.array(column, dtype=np.int64) for column in zip(*blocks))
    rows_before = np.cumsum(counts)  # rows up to the end of each block
    spans = []
    for first, stop in stretches:
        first, stop = int(first), int(stop)
        if stop <= first:
            spans.append(_ChunkRows(0, 0, 0, 0, first + 1))
            continue
        # the blocks holding the first and the last row (side="right": blocks of no rows are passed over)
        first_block, last_block = np.searchsorted(rows_before, [first, stop - 1], side="right")
        block_first_row = int(rows_before[first_block] - counts[first_block])
        spans.append(_ChunkRows(int(starts[first_block]), int(ends[last_block]), first - block_first_row,
                                stop - first, first + 1))
    return spans


def _row_hashes(body: pd.DataFrame, position: int) -> tuple[np.ndarray, np.ndarray]:
    """_id_hashes of each row: whether it holds a text, and its hash (0 for none)."""
    present, hashes, run_of = _id_hashes(body, position)
    return (present, hashes) if run_of is None else (present[run_of], hashes[run_of])


def _household_stretches(first_rows: np.ndarray, chunk_rows: int, header_rows: int, total_rows: int) -> list[tuple[int, int]]:
    """The rows (first, stop: 0-based indexes of the file's rows) of each chunk of a persons list:
    about `chunk_rows` rows (the first chunk with the title and header rows too), each cut at the
    row where a household starts (`first_rows`: spreadsheet rows), so that no household is parted
    from the members listed under it; the last chunk runs to the file's end (`total_rows`)."""
    starts = first_rows - 1
    at = np.searchsorted(starts, np.arange(chunk_rows + header_rows, total_rows, chunk_rows))
    cuts = [int(cut) for cut in np.unique(starts[at[at < len(starts)]]) if cut > 0]
    bounds = [0, *cuts, total_rows]
    return list(zip(bounds[:-1], bounds[1:]))


def _frames_between(frames: Iterator[pd.DataFrame], stretches: list[tuple[int, int]]) -> Iterator[pd.DataFrame]:
    """The rows of each stretch (first, stop: 0-based indexes of the file's rows) from the file's
    batches (rows labelled from 1), read in order."""
    pending = None
    for first, stop in stretches:
        while pending is None or not len(pending) or pending.index[-1] < stop:
            frame = next(frames, None)
            if frame is None:
                break
            pending = frame if pending is None else pd.concat([pending, frame])
        yield pending.loc[first + 1: stop]
        pending = pending.loc[stop + 1:]


def _tail_joined(sources: Iterable, chunks: int) -> Iterator:
    """The first `chunks` chunks of `sources`, the last of them with every later one joined to it
    (the rows after the file's last household id)."""
    held = None
    for number, source in enumerate(sources):
        if number < chunks:
            if held is not None:
                yield held
            held = source
        elif isinstance(source, _ChunkRows):
            held = held if not source.count else dataclasses.replace(held, end=source.end, count=held.count + source.count)
        elif source is not None and len(source):
            held = pd.concat([held, source])
    if held is not None:
        yield held


def _classify_chunk(job: _ChunkJob, number: int, frame: pd.DataFrame | _ChunkRows) -> _ChunkDone:
    titles = _TitlesPassed(job.scratch, number, job.parent)
    try:
        done = _chunk_run(job, number, frame, titles)
    except BaseException:
        titles.stopped()  # (the chunks below, waiting for its titles, stop too)
        raise
    titles.publish([])  # (a chunk whose rows were never looked at for group titles has none)
    return done


def _chunk_run(job: _ChunkJob, number: int, frame: pd.DataFrame | _ChunkRows, titles: _TitlesPassed) -> _ChunkDone:
    if isinstance(frame, _ChunkRows):
        frame = frame.read(job.households_path)
    # (only the last chunk has the list's end: a row below a chunk's last household is no footer)
    grids = [Grid(job.sheet_name, _with_prefix(job.households, frame), list_continues=number < job.chunks - 1,
                  titles_above=titles, laid_out=True, persons_list=job.households.persons)]
    members_grids = None
    if job.members is not None:
        members_grids = [Grid(job.members.sheet, _members_of(number, job))]
    body = _body(frame, job.households)
    known = {}
    if job.duplicate_rows:
        ids = _household_ids(body, job.households.id_position).dropna()
        for household_id, value in zip(ids, hash_texts(arrow_text(ids))):
            if int(value) in job.duplicate_rows:
                known[household_id] = job.duplicate_rows[int(value)]
    run = run_classification(
        grids, job.standard, job.source_name, members_grids, year=job.year, default_year=job.default_year,
        strict=job.strict, lang=job.lang, known_duplicates=known, release_grids=True,  # the members' raw cells go once checked
    )
    contract = [c for c in run.roster.columns if c not in run.extra_columns]
    roster = run.roster.reindex(columns=contract + job.extras)  # the whole file's columns, in every chunk
    csv = list(csv_parts(roster, header=number == 0))  # (not joined: 60 MB less to copy per 250,000 households)
    return _ChunkDone(csv, dataclasses.replace(run, roster=roster.iloc[0:0], standard=None))


class _TitlesPassed:
    """A chunk's group titles passed down to the chunks below it (io/list_rows.TitlesAbove), as a
    small file each in the run's scratch folder: a chunk publishes its own titles as soon as it
    has found them, before it asks for those above it, so no chunk waits for one that waits; the
    chunks above a chunk were started before it (chunks are started in order)."""

    POLL_SECONDS = 0.005

    def __init__(self, scratch: Path, number: int, parent: int) -> None:
        self.scratch, self.number, self.parent = scratch, number, parent

    def _path(self, number: int) -> Path:
        return self.scratch / f"titles-{number}.json"

    def _write(self, content: object) -> None:
        """The chunk's titles, or None for a chunk that stopped; only the first word counts."""
        path = self._path(self.number)
        if path.exists():
            return
        part = path.with_suffix(".part")
        part.write_text(json.dumps(content), encoding="utf-8")
        os.replace(part, path)  # (whole or not there: a reader never sees half of it)

    def publish(self, titles: list[tuple[int, str]]) -> None:
        self._write([[row, title] for row, title in titles])

    def stopped(self) -> None:
        self._write(None)

    def above(self) -> list[tuple[int, str]]:
        titles = []
        for number in range(self.number):
            path = self._path(number)
            while not path.exists():  # (chunk `number` was started before this one: it will publish)
                if os.getpid() == self.parent:  # (one chunk at a time: every chunk above is done)
                    raise NgheoError(f"chunk {number} published no group titles")
                if os.getppid() != self.parent:  # (the run was stopped)
                    raise NgheoError("the run stopped before the group titles above this chunk were known")
                time.sleep(self.POLL_SECONDS)
            published = json.loads(path.read_text(encoding="utf-8"))
            if published is None:
                raise NgheoError(f"chunk {number} stopped before its group titles were known")
            titles += [(int(row), str(title)) for row, title in published]
        return titles


_job: _ChunkJob | None = None  # a worker's job, set before the fork
_in_turn: _InTurn | None = None  # and where it writes its rosters, if it does


def _classify_chunk_in_worker(number: int, frame: pd.DataFrame | _ChunkRows) -> _ChunkDone:
    assert _job is not None
    try:
        done = _classify_chunk(_job, number, frame)
    except BaseException:
        _TitlesPassed(_job.scratch, number, _job.parent).stopped()  # (if it had not said so itself)
        if _in_turn is not None:
            _in_turn.write(number, [])  # (its turn passed on: the later chunks' workers are not kept waiting)
        raise
    if _in_turn is None:
        return done
    _in_turn.write(number, done.roster_csv)
    return dataclasses.replace(done, roster_csv=None)


class _InTurn:
    """Worker processes writing their chunks' rosters straight into one open file, in chunk
    order, each when the chunk before has been written: the parent process then never receives,
    holds or writes them (60 MB per 250,000 households: the parent's time was the run's limit)."""

    def __init__(self, fd: int, context) -> None:
        self.fd = fd
        self._next = context.Value("q", 0, lock=False)  # the chunk whose roster goes next
        self._changed = context.Condition()
        self._parent = os.getpid()

    def write(self, number: int, csv: list) -> None:
        """Chunk `number`'s roster, its CSV in consecutive pieces, once the chunks before it are written."""
        with self._changed:
            while self._next.value != number:
                if os.getppid() != self._parent:  # (the run was stopped)
                    raise NgheoError("the run stopped before this chunk's turn to write")
                self._changed.wait(timeout=1.0)
            try:
                start = _position(self.fd)
                for part in csv:
                    write_fd(self.fd, part)
                if start is not None:  # (a file, not a pipe)
                    hand_to_disk(self.fd, start, _position(self.fd) - start)
            finally:
                self._next.value = number + 1
                self._changed.notify_all()


def _position(fd: int) -> int | None:
    """Where the next byte written to an open file goes; None for a pipe (stdout into another tool)."""
    try:
        return os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:
        return None


def _run_chunks(job: _ChunkJob, frames: Iterator[pd.DataFrame | _ChunkRows], jobs: int,
                roster_fd: int | None = None) -> Iterator[_ChunkDone]:
    """Each chunk's result, in order. With jobs > 1, chunks run in forked worker processes (pandas
    holds the GIL, so threads would not help), which write their rosters into `roster_fd` when
    it is given; at most jobs + 1 chunks are read ahead."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for number, frame in enumerate(frames):
            yield _classify_chunk(job, number, frame)
        return
    global _job, _in_turn
    context = multiprocessing.get_context("fork")
    _job, _in_turn = job, (_InTurn(roster_fd, context) if roster_fd is not None else None)
    try:
        # the cores are shared among the workers: each gets its part of the column threads
        share = max(1, default_threads() // jobs)
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=limit_threads, initargs=(share,)) as pool:
            # The first task forks every worker: do it before the reader below starts its threads,
            # so that no worker is forked while a reader thread holds a lock.
            pool.submit(int).result()
            pending: deque = deque()
            for number, frame in enumerate(frames):
                pending.append(pool.submit(_classify_chunk_in_worker, number, frame))
                while len(pending) > jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    except BrokenProcessPool as exc:  # a worker killed, most often for want of memory
        raise NgheoError("a worker process classifying a chunk stopped unexpectedly (out of memory?)",
                         "run again with fewer --jobs or a smaller --chunk-size") from exc
    finally:
        _job, _in_turn = None, None


def _extra_columns(layout: _Layout, first: pd.DataFrame, name: str, direct: dict) -> list[tuple[str, int]]:
    """Every extra column the header names, with its raw position, in sheet order: found by
    laying out the file's first rows (`first`: the list's layout may rest on them, as a district's
    list without a ward column on its wards' group titles) with one more row under them whose
    every cell holds its position."""
    probe = first.index[-1] + 1
    probe_row = pd.DataFrame([[f"at {p}" for p in first.columns]], columns=first.columns,
                             index=[probe])  # ("at 3", not "3": a row 0 1 2 3 … numbers columns)
    table = find_survey([Grid(name, pd.concat([first, probe_row]), persons_list=layout.persons)], direct,
                        name).households
    return [(extra, int(table.cells.loc[probe, extra].removeprefix("at "))) for extra in table.extra_columns]


def _add(a: Counts, b: Counts) -> Counts:
    return Counts(*(getattr(a, f) + getattr(b, f) for f in a.__dataclass_fields__))


def _members_layout(path: Path, households: _Layout) -> _Layout:
    first = next(batches(path, LAYOUT_ROWS))
    return _layout_of(first, path.stem, True, Grid(households.sheet, households.prefix, laid_out=True))


def _member_batch_rows(chunk_rows: int) -> int:
    return max(chunk_rows * 4, 1)


def _member_chunks(body: pd.DataFrame, layout: _Layout, index: _HouseholdIndex, chunks: int) -> tuple[np.ndarray, np.ndarray]:
    """The chunk of each member row: its household's; the last chunk for a member whose household
    is in no chunk, or who has no id (reported there, as a whole-file run reports it); and
    whether the household was found. Batches are given in file order (index.chunks_of)."""
    present, hashes, run_of = _id_hashes(body, layout.id_position)
    target = np.full(len(present), chunks - 1, dtype=np.int64)  # of each run of one household's members
    found = np.zeros(len(present), dtype=bool)
    if present.any():
        found[present], target[present] = index.chunks_of(hashes[present], chunks - 1)
    return (target[run_of], found[run_of]) if run_of is not None else (target, found)


@dataclass
class _HouseholdIndex:
    """Every household id of the file (the rows with one), hashed: in file order with its chunk,
    and sorted (the ids used twice; a member's household found by its id's hash)."""

    hashes: np.ndarray  # in file order
    chunks: np.ndarray  # the chunk of each
    order: np.ndarray  # stable_order(hashes): sorted position -> file position
    by_hash: SortedHashes
    expected: int = 0  # the file position of the household whose members are expected next

    MISSES_COMPARED = 32  # runs searched one by one in a batch before the rest is searched at once

    @classmethod
    def of(cls, hashes: np.ndarray, chunks: np.ndarray) -> _HouseholdIndex:
        order = stable_order(hashes)  # (as np.argsort(kind="stable"), a fifth of the time)
        by_hash = SortedHashes(hashes[order])
        return cls(hashes, chunks, order, by_hash)

    @functools.cached_property
    def _tied(self) -> np.ndarray:
        """The sorted positions of the hashes on more than one row."""
        return tied_positions(self.by_hash.values)

    @functools.cached_property
    def repeated(self) -> np.ndarray:
        """The hashes on more than one row, sorted, each once (looked for in every batch)."""
        return np.unique(self.by_hash.values[self._tied])

    def again(self) -> _HouseholdIndex:
        """The same index, members expected from the first household again (a second pass)."""
        return dataclasses.replace(self, expected=0)

    def duplicate_rows(self, rows: np.ndarray) -> dict[int, list[int]]:
        """Hash -> the rows (`rows`: of each id, in file order) of each id used more than once."""
        ordered = self.by_hash.values
        duplicate_rows: dict[int, list[int]] = {}
        for at in self._tied:
            duplicate_rows.setdefault(int(ordered[at]), []).append(int(rows[self.order[at]]))
        return {value: sorted(set(found)) for value, found in duplicate_rows.items()}

    def chunks_of(self, wanted: np.ndarray, nowhere: int) -> tuple[np.ndarray, np.ndarray]:
        """Whether each hash (members' ids, a run of one household's members each, in file order)
        is a household's, and that household's chunk (`nowhere` when none; of the first row with
        the id, as a whole-file run links them). A members file lists its households' members in
        the households' order: each run is then the next household's, found by comparing the
        hashes in file order. A run that is not (a household without members, a member listed
        late, an id used twice) is searched among the sorted hashes, and the comparing goes on
        from its household; after MISSES_COMPARED such runs the rest of the batch is searched."""
        found = np.zeros(len(wanted), dtype=bool)
        chunk = np.full(len(wanted), nowhere, dtype=np.int64)
        done, misses = 0, 0
        while done < len(wanted) and misses < self.MISSES_COMPARED:
            start = self.expected
            window = self.hashes[start:start + len(wanted) - done]
            next_ones = _first_false(window == wanted[done:done + len(window)])
            if len(self.repeated) and next_ones:  # (an id used twice links to its first row: searched)
                next_ones = _first_false(~np.isin(window[:next_ones], self.repeated))
            found[done:done + next_ones], chunk[done:done + next_ones] = True, self.chunks[start:start + next_ones]
            self.expected, done = start + next_ones, done + next_ones
            if done < len(wanted):
                self._search(wanted, found, chunk, done, done + 1)
                done, misses = done + 1, misses + 1
        self._search(wanted, found, chunk, done, len(wanted))
        return found, chunk

    def _search(self, wanted: np.ndarray, found: np.ndarray, chunk: np.ndarray, first: int, stop: int) -> None:
        """wanted[first:stop] looked up among the sorted hashes; members then expected from the
        household after the last one found."""
        if stop <= first or not len(self.hashes):
            return
        some = wanted[first:stop]
        at = self.by_hash.search(some).clip(0, len(self.hashes) - 1)
        hit = self.by_hash.values[at] == some
        household = self.order[at[hit]]
        found[first:stop][hit], chunk[first:stop][hit] = True, self.chunks[household]
        if len(household):
            self.expected = int(household[-1]) + 1


def _first_false(flags: np.ndarray) -> int:
    """How many of the flags hold before the first that does not."""
    return len(flags) if flags.all() else int(np.argmin(flags))


@dataclass
class _MembersInPlace:
    """Where each chunk's members are in a members file that lists them chunk after chunk: the
    stretch of rows from the chunk's first member to its last. Stray members (listed away from
    their chunk's stretch, say added at the end; or whose household is in no chunk: those go
    with the last chunk, as a whole-file run reports them) are few, their cells read once here."""

    stretches: list[_ChunkRows]
    strays: pd.DataFrame  # the stray members' cells, by row number
    stray_chunks: np.ndarray  # the chunk of each

    def of(self, number: int, path: Path) -> pd.DataFrame | None:
        """The chunk's members, in file order (None: none)."""
        frame = self.stretches[number].read(path)
        if not len(self.strays):
            return frame
        if frame is not None:
            inside = frame.index.isin(self.strays.index)  # (strays within the stretch: handed out below)
            if inside.any():
                frame = frame[~inside]
        mine = self.strays[self.stray_chunks == number]
        if frame is None or not len(frame):
            return mine if len(mine) else None
        return pd.concat([frame, mine]).sort_index(kind="stable") if len(mine) else frame


STRAY_ROWS, STRAY_BLOCKS = 100_000, 32  # stray members, and the blocks read again for them: beyond either,
# the members are spread into scratch files instead


def _members_in_chunk_order(
    path: Path, chunk_rows: int, layout: _Layout, index: _HouseholdIndex, chunks: int,
) -> _MembersInPlace | None:
    """Where each chunk's members are, when the file lists the members chunk after chunk (in
    household order, the usual case) but for a few strays; read by the process that classifies
    the chunk. Only the id column is built here. None when the strays are too many (a file in
    another order: found as soon as they are), or a quoted value holds a line break, or the
    file is Parquet: the members are then spread into scratch files (_spread_members)."""
    if path.suffix.lower() != ".csv":
        return None
    blocks: list = []
    first_row = np.full(chunks, np.iinfo(np.int64).max)  # of each chunk's stretch (0-based row indexes)
    last_row = np.full(chunks, -1)
    stray_rows, stray_chunks, strays, reached = [], [], 0, 0
    for frame in batches(path, _member_batch_rows(chunk_rows), columns=[layout.id_position], ahead=True,
                         blocks=blocks):
        if blocks and blocks[-1] is None:  # (a line break in a quoted value: no blocks to read again)
            return None
        body = _body(frame, layout)
        if body.empty:
            continue
        target, found = _member_chunks(body, layout, index, chunks)
        rows = body.index.to_numpy() - 1
        # a member is in place when its chunk is the furthest reached so far (a household-less member reaches nothing)
        reach = np.maximum.accumulate(np.maximum(np.where(found, target, -1), reached))
        in_place = found & (target == reach)
        stray_rows.append(rows[~in_place])
        stray_chunks.append(target[~in_place])
        strays += len(stray_rows[-1])
        if strays > STRAY_ROWS:
            return None
        reached = int(reach[-1])
        target, rows = target[in_place], rows[in_place]
        if len(target):
            numbers, at = np.unique(target, return_index=True)  # (in order: one stretch each)
            first_row[numbers] = np.minimum(first_row[numbers], rows[at])
            last_row[numbers] = rows[np.r_[at[1:], len(target)] - 1]
    stray_rows = np.concatenate(stray_rows) if stray_rows else np.zeros(0, dtype=np.int64)
    stretches = _rows_between(blocks, [(first, last + 1) for first, last in zip(first_row, last_row)])
    stray_at = _rows_between(blocks, [(row, row + 1) for row in stray_rows])
    if stretches is None or stray_at is None or len({span.start for span in stray_at}) > STRAY_BLOCKS:
        return None
    return _MembersInPlace(stretches, _read_rows_at(path, stray_at),
                           np.concatenate(stray_chunks) if stray_chunks else np.zeros(0, dtype=np.int64))


def _read_rows_at(path: Path, rows: list[_ChunkRows]) -> pd.DataFrame:
    """Single rows of a file (their _ChunkRows), each block read once, as one frame."""
    if not rows:
        return pd.DataFrame()
    options = csv_arrow_options(path, scan_for_quotes=False)  # (no line break inside its blocks' values)
    by_block: dict[tuple[int, int], list[_ChunkRows]] = {}
    for row in rows:
        by_block.setdefault((row.start, row.end), []).append(row)
    frames = []
    for (start, end), in_block in by_block.items():
        table = read_rows(path, options, start, end).take([row.skip for row in in_block])
        frame = arrow_text_frame(table)
        frame.index = pd.Index([row.first_row for row in in_block])
        frames.append(frame)
    return pd.concat(frames)


def _spread_members(
    path: Path, chunk_rows: int, layout: _Layout, index: _HouseholdIndex, chunks: int, scratch: Path,
) -> None:
    """Each member row into scratch/members-<chunk>.arrow by its household id (_member_chunks).
    Rows keep their order."""
    import pyarrow as pa

    writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
    try:
        for frame in batches(path, _member_batch_rows(chunk_rows), ahead=True):
            body = _body(frame, layout)
            if body.empty:
                continue
            target, _ = _member_chunks(body, layout, index, chunks)
            table = pa.table({**{str(c): body[c].array._pa_array for c in body.columns}, "_row": body.index.to_numpy()})
            if (np.diff(target) < 0).any():  # members not in household order: group them by chunk
                order = np.argsort(target, kind="stable")  # in file order within each chunk
                table, target = table.take(order), target[order]
            starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])  # (target is in order now)
            numbers = target[starts]
            for number, start, stop in zip(numbers, starts, [*starts[1:], len(target)]):
                if number not in writers:
                    writers[number] = pa.ipc.new_file(scratch / f"members-{number}.arrow", table.schema)
                writers[number].write_table(table.slice(start, stop - start))
    finally:
        for writer in writers.values():
            writer.close()


def _members_of(number: int, job: _ChunkJob) -> pd.DataFrame:
    """The chunk's members below the members sheet's title and header rows."""
    import pyarrow as pa

    layout = job.members
    if job.member_rows is not None:
        frame = job.member_rows.of(number, job.members_path)
        return layout.prefix if frame is None else pd.concat([layout.prefix, frame])
    file = job.scratch / f"members-{number}.arrow"
    if not file.exists():
        return layout.prefix
    with pa.OSFile(str(file)) as source:  # read, not mapped: the scratch folder is deleted after
        table = pa.ipc.open_file(source).read_all()
    rows = table.column("_row").to_numpy()
    frame = arrow_text_frame(table.drop_columns(["_row"]))
    frame.index = pd.Index(rows)
    return pd.concat([layout.prefix, frame])
