"""`ngheo validate`: check a survey without classifying it, and list every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ngheo_cli.choices import DEFAULT_STANDARD
from ngheo_cli.cli.common import Lang, inputs_of, output_stem, start_reading
from ngheo_cli.io.targets import check_target


def validate_command(
    survey: Path = typer.Argument(..., help="Survey file: .xlsx, .xls, .ods, .csv or .parquet.", show_default=False),
    standard: str = typer.Option(DEFAULT_STANDARD, "--standard", "-s", help="Standard whose 'Thiếu hụt: …' answer columns to expect."),
    members: Optional[Path] = typer.Option(None, "--members", "-m", help="Members file, when the survey is a .csv/.parquet of households."),
    errors_path: Optional[Path] = typer.Option(None, "--errors", help="Problems file (.csv or .xlsx). Default: <survey>.problems.csv."),
    year: Optional[int] = typer.Option(None, "--year", help="Review year (ages from birth years)."),
    lang: Lang = typer.Option(Lang.vi, "--lang", help="Language of the messages."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Encoding of a .csv survey."),
    strict: bool = typer.Option(False, "--strict", help="Count a household with a warning as rejected, as classify --strict does."),
    force: bool = typer.Option(False, "--force", help="Replace the problems file if it exists."),
) -> None:
    """Check every row of a survey against the contract without classifying it.

    Example: ngheo validate samples/cau-giay-2025.xlsx --lang en

    Exit codes: 0 no errors (warnings may be listed); 1 some rows would be rejected; 2 the file cannot be read.
    """
    target = errors_path or survey.parent / f"{output_stem(survey)}.problems.csv"
    protected = inputs_of(survey, members)
    check_target(target, protected, force)  # before the work: a refused run costs nothing
    early = start_reading([p for p in (survey, members) if p], encoding, members)
    from ngheo_cli.io.workbook import read_grids
    from ngheo_cli.io.writers import write_table
    from ngheo_cli.labels import output_headers
    from ngheo_cli.pipeline import check_survey, promote_household_warnings
    from ngheo_cli.report import (
        empty_survey_notice,
        layout_notices,
        problems_report,
        sheets_notice,
        stderr_console,
    )
    from ngheo_cli.standards.load import load_standard
    from ngheo_cli.validate import ROW

    console = stderr_console()
    compiled = load_standard(standard)
    checked = check_survey(
        read_grids(survey, encoding, early=early), compiled, survey.name,
        members_grids=read_grids(members, encoding, members=True, early=early) if members else None, year=year,
    )
    valid = checked.valid
    if strict:
        promote_household_warnings(valid.problems, checked.survey.households.sheet)
    problems = valid.problems.to_frame(lang.value)
    fmt = "xlsx" if target.suffix.lower() == ".xlsx" else "csv"
    write_table(target, fmt, {"Lỗi" if lang.value == "vi" else "Problems": problems},
                output_headers(compiled.model, lang.value),
                {"input": survey.name, "review_year": str(checked.review_year)}, protected, force)
    households = checked.survey.households
    if households.sheets is not None:
        sheets_notice(console, households.sheets.split(valid.households[ROW].to_numpy())[0])
    sheet = checked.survey.households.sheet
    rejected = valid.problems.table().loc[valid.problems.on_rows(sheet, "error"), "row"].nunique()
    console.print(
        f"Households read: {valid.rows_read} = valid {valid.rows_read - rejected} + rejected {rejected}. "
        f"Members read: {valid.members_read}."
    )
    empty_survey_notice(console, valid.rows_read)
    layout_notices(console, valid.problems)
    problems_report(console, valid.problems, lang.value, str(target))
    raise typer.Exit(1 if rejected else 0)
