"""`ngheo classify`: a survey in, a classified roster, a ward summary and the problems out."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from ngheo_cli.cli.common import Lang, format_from, inputs_of, output_stem
from ngheo_cli.io.workbook import read_grids
from ngheo_cli.io.writers import FORMATS, check_target, write_csv_stdout, write_table
from ngheo_cli.labels import output_headers, roster_for_people
from ngheo_cli.pipeline import RunResult, run_classification
from ngheo_cli.report import progress_bar, provisional_notice, run_report, stderr_console
from ngheo_cli.standards.load import DEFAULT_STANDARD, load_standard


class Format(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def classify_command(
    survey: Path = typer.Argument(..., help="Survey file: .xlsx, .xls, .ods, .csv or .parquet.", show_default=False),
    standard: str = typer.Option(DEFAULT_STANDARD, "--standard", "-s", help="Built-in standard id or a path to a criteria .yaml file."),
    members: Optional[Path] = typer.Option(None, "--members", "-m", help="Members file, when the survey is a .csv/.parquet of households."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Roster file; '-' writes the roster as CSV to stdout. Default: <survey>.classified.<format> beside the survey or in --out-dir."),
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
) -> None:
    """Classify every household of a survey and write the roster and the per-ward summary.

    Example: ngheo classify samples/cau-giay-2025.xlsx

    Example for scripts: ngheo classify survey.xlsx -o - --standard vn-2022-2025 > roster.csv
    """
    console = stderr_console()
    compiled = load_standard(standard)
    chosen = (fmt.value if fmt else None) or format_from(output, FORMATS) or "xlsx"
    targets = _targets(survey, output, out_dir, summary_path, errors_path, chosen)
    protected = inputs_of(survey, members)
    _check_targets(targets, protected, force)  # before the work: a refused run costs nothing
    grids = read_grids(survey, encoding)
    rows = sum(len(grid.cells) for grid in grids)
    with progress_bar(console, rows, lang.value, enabled=not quiet) as report:
        result = run_classification(
            grids,
            compiled,
            source_name=survey.name,
            members_grids=read_grids(members, encoding) if members else None,
            year=year,
            strict=strict,
            lang=lang.value,
            report=report,
        )
        _write(result, targets, chosen, lang.value, protected, force)
    provisional_notice(console, result)

    problems_file = str(targets["problems"]) if targets.get("problems") else (
        f"{targets['roster']} (sheet 'Lỗi')" if targets.get("roster") and chosen == "xlsx" else None)
    run_report(console, result, lang.value, quiet, problems_file)
    written = [str(p) for p in targets.values() if p is not None]
    if written and not quiet:
        console.print("Written: " + ", ".join(written))
    counts = result.counts
    raise typer.Exit(0 if counts.rejected == 0 and counts.undetermined == 0 else 1)


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


def _write(result: RunResult, targets: dict[str, Path | None], fmt: str, lang: str, protected: set[Path], force: bool) -> None:
    headers = output_headers(result.standard.model, lang)
    roster = result.roster
    problems = result.problems.to_frame(lang)
    if targets["roster"] is None:
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
