"""`ngheo review`: last year's list against this year's: transitions, targets, lists."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from ngheo_cli.choices import DEFAULT_TARGETS
from ngheo_cli.cli.common import Lang, output_format, output_stem, start_reading
from ngheo_cli.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from ngheo_cli.io.early import EarlyRead
    from ngheo_cli.review.inputs import Loaded
    from ngheo_cli.review.run import ReviewResult

REVIEW_EXIT_CODES = (
    "Exit codes: 0 review written (even when targets are missed: that is a result); 1 with --fail-on-target, "
    "when a target is missed; 2 usage, file or criteria error (nothing written)."
)


class Format(str, Enum):
    xlsx = "xlsx"
    csv = "csv"
    json = "json"


def review_command(
    files: List[Path] = typer.Argument(..., help="[LAST] THIS: last year's and this year's list, each a roster written by 'ngheo classify' or a survey. With THIS alone, its 'Phân loại đầu kỳ' column is last year's list.", show_default=False),
    history: List[Path] = typer.Option([], "--history", help="An earlier year's roster or survey (repeat for more years): tells tái nghèo from phát sinh.", show_default=False),
    ward_map: Optional[Path] = typer.Option(None, "--ward-map", help="Old ward (+ tổ dân phố) -> new ward, .csv or .xlsx: places last year's households under today's wards."),
    targets: str = typer.Option(DEFAULT_TARGETS, "--targets", help="Built-in targets id or a targets .yaml file."),
    standard: Optional[str] = typer.Option(None, "--standard", "-s", help="Standard for this year's survey. Default: the Hà Nội standard of its year."),
    last_standard: Optional[str] = typer.Option(None, "--last-standard", help="Standard for last year's and earlier surveys. Default: the Hà Nội standard of each year."),
    year: Optional[int] = typer.Option(None, "--year", help="This year's review year. Default: the file's title row, metadata or name, else this year."),
    last_year: Optional[int] = typer.Option(None, "--last-year", help="Last year's review year. Default: from the file, else the year before --year."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Review file; '-' writes the transition table as CSV to stdout (with --format json, the whole review as JSON). Default: <THIS>.review.<format>."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", "-d", help="Folder for the default output files."),
    fmt: Optional[Format] = typer.Option(None, "--format", "-f", help="xlsx (one workbook), csv (transitions, targets and households files) or json (one document)."),
    lang: Lang = typer.Option(Lang.vi, "--lang", help="Language of headers, words and messages."),
    fail_on_target: bool = typer.Option(False, "--fail-on-target", help="Exit 1 when a target is missed (for batch scripts)."),
    force: bool = typer.Option(False, "--force", help="Replace output files that already exist."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the totals line and missed targets."),
) -> None:
    """Year-end review: who escaped, fell back or became poor, per ward, and the plan's targets.

    Example: ngheo review samples/cau-giay-2024.xlsx samples/cau-giay-2025.xlsx --ward-map samples/cau-giay-ward-map.csv
    """
    if len(files) > 2:
        raise InputError(f"give one or two lists, not {len(files)}", "ngheo review LAST THIS, or ngheo review THIS; earlier years go with --history")
    chosen = output_format(fmt.value if fmt else None, output, ("xlsx", "csv", "json"))  # (refused before the work)
    early = start_reading(files[-1:], None)  # this year's list, loaded first (the others after it: one at a time in memory)
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.report import stderr_console
    from ngheo_cli.report_review import review_report
    from ngheo_cli.review.output import metadata
    from ngheo_cli.review.run import review
    from ngheo_cli.review.targets import load_targets
    from ngheo_cli.review.wards import ward_map_from_grid

    console = stderr_console()
    last_path, this_path = (files[0], files[1]) if len(files) == 2 else (None, files[0])
    this_default = ((last_year + 1, "the year after --last-year") if last_year else (dt.date.today().year, "today"))
    this = _load(this_path, year, this_default, standard, lang.value, console, not quiet, early)
    last = _load(last_path, last_year, (this.year_list.year - 1, f"the year before {this.year_list.year}"), last_standard,
                 lang.value, console, not quiet, early) if last_path else None
    earlier = []
    oldest = (last.year_list.year if last else this.year_list.year - 1)
    for position, path in enumerate(reversed(history), start=1):
        earlier.append(_load(path, None, (oldest - position, "order of --history"), last_standard, lang.value, console,
                             not quiet, early))

    targets_model, _ = load_targets(targets)
    ward_grid = read_grids(ward_map)[0] if ward_map else None
    wards = ward_map_from_grid(ward_grid, ward_map.name) if ward_grid is not None else None
    this_standard = this.year_list.standard_id or (standard or "")
    period = _period(this_standard or standard)
    result = review(this.year_list, last.year_list if last else None, [e.year_list for e in earlier], wards,
                    targets_model, this_standard, period, lang.value)

    stem = output_stem(this_path)
    folder = out_dir or this_path.parent
    protected = {p.resolve() for p in [*files, *history, *( [ward_map] if ward_map else [])]}
    meta = metadata(result, targets_model.id, ward_map.name if ward_map else "", lang.value)
    written = _write(result, output, folder, stem, chosen, lang.value, meta, protected, force)

    review_report(console, result, [l for l in (last, this, *earlier) if l], lang.value, quiet)
    if written and not quiet:
        console.print("Written: " + ", ".join(str(p) for p in written))
    raise typer.Exit(1 if fail_on_target and not result.failed_targets().empty else 0)


def _load(path: Path, year: int | None, default_year: tuple[int, str], standard: str | None, lang: str,
          console: Console, progress: bool, early: EarlyRead | None = None) -> Loaded:
    """One year's list; a survey that has to be classified first shows the classify progress bar."""
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.report import progress_bar
    from ngheo_cli.review.inputs import load_year_list

    grids = read_grids(path, early=early)
    with progress_bar(console, sum(len(grid.cells) for grid in grids), lang, progress) as report:
        return load_year_list(grids, path.name, year=year, default_year=default_year, standard=standard, lang=lang,
                              report=report)


def _period(standard_id: str | None) -> tuple[int, int | None]:
    from ngheo_cli.standards.load import load_standard

    model = load_standard(standard_id).model if standard_id else load_standard().model
    return model.valid_from.year, (model.valid_to.year if model.valid_to else None)


def _write(result: ReviewResult, output: str | None, folder: Path, stem: str, fmt: str, lang: str,
           meta: dict[str, str], protected: set[Path], force: bool) -> list[Path]:
    from ngheo_cli.io.targets import check_target
    from ngheo_cli.io.writers import (
        json_document,
        write_csv_stdout,
        write_json_document,
        write_stdout,
        write_table,
    )
    from ngheo_cli.review.output import headers, household_rows, workbook_sheets

    if output == "-" and fmt == "csv":
        write_csv_stdout(result.table)
        return []
    households = household_rows(result)
    tables = {"transitions": result.table, "targets": result.targets, "households": households}
    if output == "-":  # JSON: the whole document, as in a .json file
        write_stdout(json_document(tables, meta))
        return []
    if fmt == "csv":
        first = Path(output) if output else folder / f"{stem}.review.transitions.csv"
        base = str(first)[: -len(".transitions.csv")] if str(first).endswith(".transitions.csv") else str(first.with_suffix(""))
        paths = {first: result.table, Path(f"{base}.targets.csv"): result.targets, Path(f"{base}.households.csv"): households}
        for path in paths:
            check_target(path, protected, force)
        for path, frame in paths.items():
            write_table(path, "csv", {"t": frame}, {}, meta, protected, force)
        return list(paths)
    path = Path(output) if output else folder / f"{stem}.review.{fmt}"
    check_target(path, protected, force)
    if fmt == "json":
        write_json_document(path, tables, meta, protected, force)
    else:
        write_table(path, "xlsx", workbook_sheets(result, lang), headers(result, lang), meta, protected, force)
    return [path]
