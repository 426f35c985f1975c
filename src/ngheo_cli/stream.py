"""Classifying a survey too big for memory, chunk by chunk: CSV or Parquet, households file and
members file, for a city or the country.

Memory is bounded by the chunk (about 5 KB per household of it, members included, for each of
the `jobs` chunks classified at once) plus about 40 bytes per household of the file while the
ids are hashed and sorted, then 12 (a 64-bit hash of each id and its chunk), whatever the
order of the members file:

1. ids: read the household ids once; find the ids used twice in the whole file, and where each
   id's household will be classified (its chunk);
2. members: read the members file once and put each member, by its household id, into a
   temporary file for that chunk (members whose household is nowhere go with the last chunk,
   where they are reported exactly as a whole-file run reports them);
3. households: read the households file again, chunk by chunk; each chunk with its members is
   classified by the same pipeline as a whole file (in `jobs` worker processes at once), and
   its roster, as CSV, handed to `write_roster` in file order.

The ward summary is added up from each chunk's counts, so it equals the whole-file summary;
rows keep their spreadsheet numbers. The title and header rows of the first chunk are put in
front of every later chunk, so each chunk is found, checked and numbered like the whole file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import multiprocessing
import tempfile
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from ngheo_cli.choices import STREAMABLE
from ngheo_cli.errors import InputError, NgheoError
from ngheo_cli.frames import arrow_text, filled, hash_texts, runs
from ngheo_cli.io.arrow_csv import csv_arrow_options, csv_tables
from ngheo_cli.io.cells import normalised_values, parse_text
from ngheo_cli.io.layout import find_survey
from ngheo_cli.io.memory import available_memory
from ngheo_cli.io.parquet import data_columns, text_table
from ngheo_cli.io.workbook import Grid, arrow_text_frame
from ngheo_cli.io.writers import csv_bytes
from ngheo_cli.issues import ProblemLog
from ngheo_cli.parallel import default_threads, limit_threads, read_ahead, usable_cores
from ngheo_cli.pipeline import (
    Counts,
    RunResult,
    direct_answer_headers,
    run_classification,
)
from ngheo_cli.standards.load import CompiledStandard
from ngheo_cli.summary import add_counts, finish_summary


@dataclass
class StreamedRun:
    """What a chunked run gives besides the roster it wrote: as RunResult, without the roster."""

    summary: pd.DataFrame
    problems: ProblemLog
    counts: Counts
    first: RunResult  # the first chunk's run: standard, review year, metadata
    chunks: int


CHUNK_BYTES_PER_HOUSEHOLD = 5 * 1024  # a chunk's working set, members included (BENCHMARKS.md)


def default_jobs(chunk_rows: int) -> int:
    """As many chunks at once as there are cores, and as fit in half the free memory."""
    free = available_memory()
    fit = int(free / 2 // (chunk_rows * CHUNK_BYTES_PER_HOUSEHOLD)) if free else usable_cores()
    return max(1, min(usable_cores(), fit))


def batches(path: Path, rows: int, header_rows: int = 0, columns: list[int] | None = None,
            ahead: bool = False) -> Iterator[pd.DataFrame]:
    """The raw cells of a CSV or Parquet file, `rows` rows at a time (the first batch also holds
    the `header_rows` title and header rows), as text columns indexed by spreadsheet row
    (1-based; a Parquet file's column names are row 1) and labelled by their position in the
    file. `columns`: only these positions (the others are still parsed, never built). `ahead`:
    the file is read in a background thread while the caller works on a batch (for a caller
    that reads the whole file: leaving early waits for the batch being read)."""
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
        options = csv_arrow_options(path)
        if options is None:
            raise InputError(f"{path}: --chunk-size needs a UTF-8 CSV file", "save it as 'CSV UTF-8' from Excel")
        if columns is not None:
            options[2].include_columns = [f"c{i}" for i in columns]  # (csv_arrow_options names column i "c<i>")
        tables = csv_tables(path, options)
    frames = _regroup(tables, rows, header_rows, columns)
    try:
        yield from read_ahead(frames) if ahead else frames
    except pa.ArrowInvalid as exc:
        if suffix == ".parquet":
            raise InputError(f"{path}: cannot be read as Parquet ({exc})") from exc
        raise InputError(f"{path}: not a well-formed CSV file ({exc})", "every row needs the same number of fields") from exc


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
    ids = normalised_values(heads)
    has_id = ids.is_valid().to_numpy(zero_copy_only=False)
    hashes = np.zeros(len(ids), dtype=np.uint64)
    hashes[has_id] = hash_texts(ids.filter(has_id) if not has_id.all() else ids)
    return has_id, hashes, run_of


@dataclass
class _Layout:
    prefix: pd.DataFrame  # title and header rows of the first chunk, with their row numbers
    id_position: int  # raw column of the household id
    sheet: str


def _layout_of(first: pd.DataFrame, name: str, is_members: bool, households_prefix: Grid | None) -> _Layout:
    grid = Grid(name, first, has_header_row=False)
    if is_members:
        survey = find_survey([households_prefix], {}, name, [grid])
        table = survey.members
    else:
        table = find_survey([grid], {}, name).households
    header = first.loc[table.header_row]
    written = table.headers["household_id"]
    positions = [p for p, cell in header.items() if isinstance(cell, str) and cell.strip() == written.strip()]
    if not positions:
        raise InputError(f"{name}: --chunk-size could not place the household id column under its header",
                         "run without --chunk-size, or put 'Mã hộ' on the header row")
    return _Layout(first.loc[: table.header_row], positions[0], table.sheet)


def _body(frame: pd.DataFrame, layout: _Layout) -> pd.DataFrame:
    """The rows of a batch below the title and header rows (a slice, not a copy)."""
    return frame.iloc[max(int(layout.prefix.index[-1]) - int(frame.index[0]) + 1, 0):] if len(frame) else frame


def _with_prefix(layout: _Layout, rows: pd.DataFrame) -> pd.DataFrame:
    return rows if rows.index[0] <= layout.prefix.index[-1] else pd.concat([layout.prefix, rows])


def classify_in_chunks(
    households_path: Path,
    members_path: Path | None,
    standard: CompiledStandard,
    chunk_rows: int,
    write_roster: Callable[[bytes, int], None],
    *,
    year: int | None = None,
    strict: bool = False,
    lang: str = "vi",
    report: Callable[[str, float], None] | None = None,
    jobs: int = 1,
) -> StreamedRun:
    """Classify chunk by chunk; `write_roster(csv, chunk_number)` gets each chunk's roster as
    CSV (with the header in chunk 0). `jobs`: chunks classified at once, in worker processes."""
    report = report or (lambda phase, fraction: None)
    name = households_path.name
    first = next(batches(households_path, chunk_rows))
    households_layout = _layout_of(first, households_path.stem, False, None)

    # 1. ids: every household's chunk, and the ids used twice in the whole file; and which
    # columns hold data somewhere (a whole-file run keeps an extra column only then)
    hashes, rows, chunk_of = [], [], []
    named = _extra_columns(households_layout, households_path.stem, direct_answer_headers(standard))
    named_positions = [position for _, position in named]
    has_data = np.zeros(len(named), dtype=bool)  # of each named extra column, somewhere in the file
    header_rows = len(households_layout.prefix)  # so that every chunk holds chunk_rows rows below the header
    needed = sorted({households_layout.id_position, *named_positions})  # the other columns are not built
    for number, frame in enumerate(batches(households_path, chunk_rows, header_rows, needed, ahead=True)):
        body = _body(frame, households_layout)
        has_data |= filled(body[named_positions]).any(axis=0).to_numpy()
        present, id_hashes, run_of = _id_hashes(body, households_layout.id_position)
        if run_of is not None:  # (an id on neighbouring rows: a duplicate, each row counted)
            present, id_hashes = present[run_of], id_hashes[run_of]
        hashes.append(id_hashes[present])
        rows.append(body.index.to_numpy()[present])
        chunk_of.append(np.full(int(present.sum()), number, dtype=np.int32))
    chunks = len(chunk_of)
    hashes_all, rows_all, chunk_all = np.concatenate(hashes), np.concatenate(rows), np.concatenate(chunk_of)
    del hashes, rows, chunk_of
    order = np.argsort(hashes_all, kind="stable")
    sorted_hashes = hashes_all[order]
    repeated = np.flatnonzero(sorted_hashes[1:] == sorted_hashes[:-1])
    duplicate_rows: dict[int, list[int]] = {}
    for at in repeated:
        for side in (at, at + 1):
            duplicate_rows.setdefault(int(sorted_hashes[side]), [])
            row = int(rows_all[order[side]])
            if row not in duplicate_rows[int(sorted_hashes[side])]:
                duplicate_rows[int(sorted_hashes[side])].append(row)
    for found in duplicate_rows.values():
        found.sort()
    extras = [name for (name, _), kept in zip(named, has_data) if kept]
    report("validate", 0.1)

    with tempfile.TemporaryDirectory(prefix="ngheo-chunks-") as scratch:
        # 2. members, each into its household's chunk
        members_layout = None
        if members_path is not None:
            members_layout = _spread_members(members_path, chunk_rows, households_layout, sorted_hashes,
                                             chunk_all[order], chunks, Path(scratch))
        report("validate", 0.2)

        # 3. households, chunk by chunk, `jobs` chunks at a time; results are taken in order
        job = _ChunkJob(households_path.stem, name, households_layout, members_layout, Path(scratch), standard,
                        extras, duplicate_rows, year, (dt.date.today().year, "today"), strict, lang)
        parts, problems, totals, first_run = [], ProblemLog(), None, None
        for number, done in enumerate(_run_chunks(job, batches(households_path, chunk_rows, header_rows), jobs)):
            write_roster(done.roster_csv, number)
            first_run = first_run or done.run
            parts.append(done.run.ward_counts)
            problems.add_log(done.run.problems)
            totals = done.run.counts if totals is None else _add(totals, done.run.counts)
            report("classify", 0.2 + 0.75 * (number + 1) / chunks)
    assert first_run is not None and totals is not None
    problems.drop_repeats()  # header-level problems are found again in every chunk
    first_run.standard = standard
    summary = finish_summary(*add_counts(parts), lang)
    return StreamedRun(summary, problems, totals, first_run, chunks)


@dataclass
class _ChunkJob:
    """What every chunk's run shares (inherited by forked workers, never pickled)."""

    sheet_name: str
    source_name: str
    households: _Layout
    members: _Layout | None
    scratch: Path
    standard: CompiledStandard
    extras: list[str]  # the whole file's extra columns, in every chunk's roster
    duplicate_rows: dict[int, list[int]]  # id hash -> rows, for the ids used twice in the file
    year: int | None
    default_year: tuple[int, str]  # the same "today" for every chunk
    strict: bool
    lang: str


@dataclass
class _ChunkDone:
    roster_csv: bytes
    run: RunResult  # without its roster and standard (the parent has both)


def _classify_chunk(job: _ChunkJob, number: int, frame: pd.DataFrame) -> _ChunkDone:
    grids = [Grid(job.sheet_name, _with_prefix(job.households, frame))]
    members_grids = None
    if job.members is not None:
        members_grids = [Grid(job.members.sheet, _members_of(number, job.scratch, job.members))]
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
    csv = csv_bytes(roster, header=number == 0)
    return _ChunkDone(csv, dataclasses.replace(run, roster=roster.iloc[0:0], standard=None))


_job: _ChunkJob | None = None  # a worker's job, set before the fork


def _classify_chunk_in_worker(number: int, frame: pd.DataFrame) -> _ChunkDone:
    assert _job is not None
    return _classify_chunk(_job, number, frame)


def _run_chunks(job: _ChunkJob, frames: Iterator[pd.DataFrame], jobs: int) -> Iterator[_ChunkDone]:
    """Each chunk's result, in order. With jobs > 1, chunks run in forked worker processes (pandas
    holds the GIL, so threads would not help); at most jobs + 1 chunks are read ahead."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for number, frame in enumerate(frames):
            yield _classify_chunk(job, number, frame)
        return
    global _job
    _job = job
    try:
        # the cores are shared among the workers: each gets its part of the column threads
        share = max(1, default_threads() // jobs)
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=limit_threads, initargs=(share,)) as pool:
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
        _job = None


def _extra_columns(layout: _Layout, name: str, direct: dict) -> list[tuple[str, int]]:
    """Every extra column the header names, with its raw position, in sheet order: found by
    laying out the header with one row whose every cell holds its position."""
    probe_row = pd.DataFrame([[f"{p}" for p in layout.prefix.columns]], columns=layout.prefix.columns,
                             index=[layout.prefix.index[-1] + 1])
    table = find_survey([Grid(name, pd.concat([layout.prefix, probe_row]))], direct, name).households
    return [(extra, int(table.cells[extra].iloc[0])) for extra in table.extra_columns]


def _add(a: Counts, b: Counts) -> Counts:
    return Counts(*(getattr(a, f) + getattr(b, f) for f in a.__dataclass_fields__))


def _spread_members(
    path: Path, chunk_rows: int, households: _Layout, sorted_hashes: np.ndarray, chunk_by_hash: np.ndarray,
    chunks: int, scratch: Path,
) -> _Layout:
    """Each member row into scratch/members-<chunk>.arrow by its household id; a member whose
    household is in no chunk (or has no id) goes with the last chunk. Rows keep their order."""
    import pyarrow as pa

    member_rows = max(chunk_rows * 4, 1)
    first = next(batches(path, member_rows))
    prefix_grid = Grid(households.sheet, households.prefix)
    layout = _layout_of(first, path.stem, True, prefix_grid)
    writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
    try:
        for frame in batches(path, member_rows, ahead=True):
            body = _body(frame, layout)
            if body.empty:
                continue
            present, hashes, run_of = _id_hashes(body, layout.id_position)
            target = np.full(len(present), chunks - 1, dtype=np.int64)  # of each run of one household's members
            if present.any() and len(sorted_hashes):  # (no household at all: every member goes to the last chunk)
                wanted = hashes[present]
                at = _search_sorted(sorted_hashes, wanted).clip(0, len(sorted_hashes) - 1)
                found = sorted_hashes[at] == wanted
                target[present] = np.where(found, chunk_by_hash[at], chunks - 1)
            if run_of is not None:
                target = target[run_of]
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
    return layout


def _search_sorted(haystack: np.ndarray, needles: np.ndarray) -> np.ndarray:
    """np.searchsorted(haystack, needles), the needles searched in increasing order: each search
    then starts where the one before ended, in memory just read (a batch of 285,000 members'
    ids among 10 million households' hashes: 0.38 s in random order, 0.06 s sorted first)."""
    order = np.argsort(needles)
    found = np.empty(len(needles), dtype=np.intp)
    found[order] = np.searchsorted(haystack, needles[order])
    return found


def _members_of(number: int, scratch: Path, layout: _Layout) -> pd.DataFrame:
    import pyarrow as pa

    file = scratch / f"members-{number}.arrow"
    if not file.exists():
        return layout.prefix
    with pa.OSFile(str(file)) as source:  # read, not mapped: the scratch folder is deleted after
        table = pa.ipc.open_file(source).read_all()
    rows = table.column("_row").to_numpy()
    frame = arrow_text_frame(table.drop_columns(["_row"]))
    frame.index = pd.Index(rows)
    return pd.concat([layout.prefix, frame])
