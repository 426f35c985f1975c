"""`ngheo classify`: a survey in, a classified roster, a ward summary and the problems out."""

from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from ngheo_cli.choices import DEFAULT_STANDARD, FORMATS, STREAMABLE
from ngheo_cli.cli.common import (
    Lang,
    format_from,
    inputs_of,
    output_format,
    output_stem,
    start_reading,
)
from ngheo_cli.errors import InputError
from ngheo_cli.io.memory import estimated_rows, fits_in_memory, memory_needed
from ngheo_cli.io.targets import atomic_file, check_target

if TYPE_CHECKING:
    from ngheo_cli.pipeline import RunResult


class Format(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def classify_command(
    survey: Path = typer.Argument(..., help="Survey file: .xlsx, .xls, .ods, .csv or .parquet.", show_default=False),
    standard: str = typer.Option(DEFAULT_STANDARD, "--standard", "-s", help="Built-in standard id or a path to a criteria .yaml file."),
    members: Optional[Path] = typer.Option(None, "--members", "-m", help="Members file, when the survey is a .csv/.parquet of households."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Roster file; '-' writes the roster to stdout (CSV, or JSON with --format json). Default: <survey>.classified.<format> beside the survey or in --out-dir."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", "-d", help="Folder for the default output files."),
    summary_path: Optional[Path] = typer.Option(None, "--summary", help="Ward summary file. Default: <survey>.summary.<format> (none with -o -)."),
    errors_path: Optional[Path] = typer.Option(None, "--errors", help="Problems file (CSV). Default: a sheet of the xlsx roster, or <survey>.problems.csv."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="Output format. Default: from the --output suffix, else xlsx."),
    year: Optional[int] = typer.Option(None, "--year", help="Review year (ages from birth years). Default: 'NĂM 2025' in a title row, else this year."),
    strict: bool = typer.Option(False, "--strict", help="Treat blank answer cells as missing instead of 'not deprived', and reject every household that has a warning."),
    lang: Lang = typer.Option(Lang.vi, "--lang", help="Language of headers, reasons and messages."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Encoding of a .csv survey (default UTF-8, with or without BOM)."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the counts line and problems."),
    chunk_size: Optional[int] = typer.Option(None, "--chunk-size", min=1, help="Classify a .csv/.parquet survey this many rows at a time, in bounded memory (city or country files); the roster is written as CSV. Automatic (200,000) for a file too big for this machine's memory."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Chunks classified at once, each in its own process (memory grows with each). Default: this machine's cores, as many as fit in half the free memory."),
) -> None:
    """Classify every household of a survey and write the roster and the per-ward summary.

    Example: ngheo classify samples/cau-giay-2025.xlsx

    Example for scripts: ngheo classify survey.xlsx -o - --standard vn-2022-2025 > roster.csv
    """
    chosen = output_format(fmt.value if fmt else None, output, FORMATS)
    too_big = not chunk_size and _too_big_for_memory(survey, members, encoding)
    chunk_size = chunk_size or (DEFAULT_CHUNK_ROWS if too_big else None)
    if chunk_size:
        if survey.suffix.lower() not in STREAMABLE:
            raise InputError(f"{survey}: --chunk-size reads .csv or .parquet files", "save the survey as CSV UTF-8")
        chosen = _streamed_format(fmt, output, chosen)
    targets = _targets(survey, output, out_dir, summary_path, errors_path, chosen)
    protected = inputs_of(survey, members)
    _check_targets(targets, protected, force)  # before the work: a refused run costs nothing
    early = None if chunk_size else start_reading([p for p in (survey, members) if p], encoding, members)
    # The engine's modules load while the survey is read (imported here: `ngheo --help` needs none of them)
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.pipeline import run_classification
    from ngheo_cli.report import progress_bar, stderr_console
    from ngheo_cli.standards.load import load_standard
    from ngheo_cli.stream import default_jobs

    console = stderr_console()
    if too_big:
        console.print(f"Note: {survey.name} is too big to classify in this machine's memory at once: "
                      f"classifying it {DEFAULT_CHUNK_ROWS:,} rows at a time (--chunk-size).")
    compiled = load_standard(standard)
    if chunk_size:
        result = _classify_in_chunks(survey, members, compiled, chunk_size, targets, year, strict, lang.value,
                                     protected, force, console, quiet, jobs or default_jobs(chunk_size))
        _finish(console, result, targets, chosen, lang.value, quiet)
        return
    if jobs and jobs > 1:
        console.print("Note: --jobs takes effect with --chunk-size; this file is classified whole, in one process.")
    grids = read_grids(survey, encoding, early=early)
    rows = sum(len(grid.cells) for grid in grids)
    with progress_bar(console, rows, lang.value, enabled=not quiet) as report:
        result = run_classification(
            grids,
            compiled,
            source_name=survey.name,
            members_grids=read_grids(members, encoding, members=True, early=early) if members else None,
            year=year,
            strict=strict,
            lang=lang.value,
            report=report,
            release_grids=True,  # a city's raw cells go back to memory once checked
        )
        _write(result, targets, chosen, lang.value, protected, force)
    _finish(console, result, targets, chosen, lang.value, quiet)


def _finish(console, result: RunResult, targets: dict[str, Path | None], chosen: str, lang: str, quiet: bool) -> None:
    from ngheo_cli.report import (
        layout_notices,
        provisional_notice,
        run_report,
        sheets_notice,
        wards_merged_notice,
    )

    provisional_notice(console, result)
    if not quiet:
        if "source_sheet" in result.roster:
            sheets_notice(console, result.roster["source_sheet"])
        wards_merged_notice(console, result)
        layout_notices(console, result.problems)
    problems_file = str(targets["problems"]) if targets.get("problems") else (
        f"{targets['roster']} (sheet 'Lỗi')" if targets.get("roster") and chosen == "xlsx" else None)
    run_report(console, result, lang, quiet, problems_file)
    written = [str(p) for p in targets.values() if p is not None]
    if written and not quiet:
        console.print("Written: " + ", ".join(written))
    counts = result.counts
    raise typer.Exit(0 if counts.rejected == 0 and counts.undetermined == 0 else 1)


DEFAULT_CHUNK_ROWS = 200_000


def _too_big_for_memory(survey: Path, members: Path | None, encoding: str | None) -> bool:
    """Whether a CSV/Parquet survey would not fit in memory whole (it is then classified in chunks)."""
    if survey.suffix.lower() not in STREAMABLE or encoding or not survey.is_file():
        return False
    needed = memory_needed(survey) + (memory_needed(members, members=True) if members and members.is_file() else 0)
    return not fits_in_memory(needed)[0]


def _streamed_format(fmt: Format | None, output: str | None, chosen: str) -> str:
    asked = fmt.value if fmt else format_from(output, FORMATS)
    if asked not in (None, "csv"):
        raise InputError(f"a roster classified in chunks is written as CSV, not {asked}",
                         "use --format csv (or -o roster.csv, or -o - for stdout)")
    return "csv"


def _classify_in_chunks(
    survey: Path, members: Path | None, compiled, chunk_size: int, targets: dict[str, Path | None], year: int | None,
    strict: bool, lang: str, protected: set[Path], force: bool, console, quiet: bool, jobs: int,
) -> RunResult:
    """The roster goes out chunk by chunk (into one file, renamed into place at the end, or to
    stdout); the summary and the problems are written once the last chunk is done."""
    from ngheo_cli.io.writers import write_stdout, writing_to_disk
    from ngheo_cli.pipeline import RunResult
    from ngheo_cli.report import progress_bar
    from ngheo_cli.stream import classify_in_chunks

    roster_path = targets["roster"]
    with contextlib.ExitStack() as stack:
        handle = stack.enter_context(atomic_file(roster_path, protected, force)) if roster_path else None
        write_to_file = writing_to_disk(handle) if handle is not None else None

        def write_roster(csv: bytes, number: int) -> None:
            if write_to_file is None:
                write_stdout(csv)
            else:
                write_to_file(csv)

        report = stack.enter_context(progress_bar(console, estimated_rows(survey), lang, enabled=not quiet))
        streamed = classify_in_chunks(survey, members, compiled, chunk_size, write_roster,
                                      year=year, strict=strict, lang=lang, report=report, jobs=jobs,
                                      roster_fd=_file_descriptor(handle))
    first = streamed.first
    counts = streamed.counts
    metadata = first.metadata | {key: str(getattr(counts, key)) for key in
                                 ("households_read", "classified", "undetermined", "rejected")}
    metadata["wards_merged"] = streamed.wards_merged
    metadata["chunks"] = f"{streamed.chunks} of {chunk_size:,} rows"
    result = RunResult(first.roster.iloc[0:0], streamed.summary, streamed.problems, counts, first.standard,
                       first.review_year, first.review_year_source, metadata, first.validity_warning)
    _write(result, {**targets, "roster": None}, "csv", lang, protected, force, roster_written=True)
    return result


def _file_descriptor(handle) -> int | None:
    """The operating system's number for the roster's file, or stdout's (None: stdout is not a
    real file, as in a test's runner), for chunk workers to write into; nothing left buffered."""
    import io
    import sys

    stream = handle if handle is not None else sys.stdout
    try:
        stream.flush()
        if stream is sys.stdout:
            sys.stdout.buffer.flush()
        return stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def _targets(
    survey: Path, output: str | None, out_dir: Path | None, summary: Path | None, errors: Path | None, fmt: str
) -> dict[str, Path | None]:
    """roster None means stdout. Default files go beside the survey or into --out-dir."""
    folder = out_dir or survey.parent
    stem = output_stem(survey)
    to_stdout = output == "-"
    roster = None if to_stdout else (Path(output) if output else folder / f"{stem}.classified.{fmt}")
    if summary is None and not to_stdout:
        summary = folder / f"{stem}.summary.{fmt}"
    if errors is None and not to_stdout and fmt != "xlsx":
        errors = folder / f"{stem}.problems.csv"
    return {"roster": roster, "summary": summary, "problems": errors}


def _check_targets(targets: dict[str, Path | None], protected: set[Path], force: bool) -> None:
    """Refuse before writing anything, so a refused run leaves no partial set of outputs."""
    for path in targets.values():
        if path is not None:
            check_target(path, protected, force)


def _write(result: RunResult, targets: dict[str, Path | None], fmt: str, lang: str, protected: set[Path], force: bool,
           roster_written: bool = False) -> None:
    from ngheo_cli.io.writers import (
        json_document,
        write_csv_stdout,
        write_stdout,
        write_table,
    )
    from ngheo_cli.labels import output_headers, roster_for_people

    headers = output_headers(result.standard.model, lang)
    roster = result.roster
    problems = result.problems.to_frame(lang)
    if roster_written:
        pass
    elif targets["roster"] is None and fmt == "json":
        write_stdout(json_document({"rows": roster}, result.metadata))  # what a .json roster file holds
    elif targets["roster"] is None:
        write_csv_stdout(roster)
    else:
        sheets = {"Phân loại" if lang == "vi" else "Roster": roster}
        if fmt == "xlsx":
            sheets = {next(iter(sheets)): roster_for_people(roster, lang), ("Lỗi" if lang == "vi" else "Problems"): problems}
        write_table(targets["roster"], fmt, sheets, headers, result.metadata, protected, force)
    if targets["summary"] is not None:
        summary_fmt = format_from(str(targets["summary"]), FORMATS) or fmt
        write_table(targets["summary"], summary_fmt, {"Tổng hợp" if lang == "vi" else "Summary": result.summary},
                    headers, result.metadata, protected, force)
    if targets["problems"] is not None:
        problems_fmt = format_from(str(targets["problems"]), FORMATS) or "csv"
        write_table(targets["problems"], problems_fmt, {"Lỗi" if lang == "vi" else "Problems": problems},
                    headers, result.metadata, protected, force)
