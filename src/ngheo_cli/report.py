"""What a run tells the person at the terminal, on stderr (stdout is for data)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator

import pandas as pd
from rich.console import Console
from rich.markup import escape

from ngheo_cli.issues import ProblemLog, messages
from ngheo_cli.pipeline import RunResult
from ngheo_cli.standards.load import builtin_ids_for_year
from ngheo_cli.tables import fitted_table

SHOWN_PROBLEMS = 8
PROGRESS_FROM_ROWS = 20_000  # below this a run takes a second or two: no bar

_PHASES = {
    "vi": {"read": "Đọc tệp", "layout": "Tìm bảng", "validate": "Kiểm tra", "classify": "Phân loại",
           "summary": "Tổng hợp", "write": "Ghi kết quả"},
    "en": {"read": "Reading", "layout": "Finding the table", "validate": "Checking", "classify": "Classifying",
           "summary": "Summarising", "write": "Writing"},
}


@contextmanager
def progress_bar(console: Console, rows: int, lang: str, enabled: bool) -> Iterator[Callable[[str, float], None]]:
    """A bar with the phase and rows per second, on a terminal, for runs of many rows; else a
    callback that does nothing (pipes and logs stay quiet). Yields report(phase, fraction)."""
    if not (enabled and console.is_terminal and rows >= PROGRESS_FROM_ROWS):
        yield lambda phase, fraction: None
        return
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    unit = "hộ/s" if lang == "vi" else "rows/s"
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(_PHASES[lang]["read"], total=1.0, rate="")
        start = time.perf_counter()

        def report(phase: str, fraction: float) -> None:
            elapsed = time.perf_counter() - start
            rate = f"{rows * fraction / elapsed:,.0f} {unit}" if elapsed > 0 and fraction > 0 else ""
            progress.update(task, completed=fraction, description=_PHASES[lang].get(phase, phase), rate=rate)

        yield report
        report("write", 1.0)


def stderr_console() -> Console:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160  # a log file does not wrap: keep table rows on one line
    return console


def wards_merged_notice(console: Console, result: RunResult) -> None:
    if result.metadata.get("wards_merged"):
        console.print(f"Note: wards spelled several ways are counted together in the summary: "
                      f"{escape(result.metadata['wards_merged'])}")


def sheets_notice(console: Console, sheet_of_row) -> None:
    """A list kept on several sheets is read as one: the officer sees which sheets and how many
    rows of each went in. `sheet_of_row`: each household's sheet (a column or an array)."""
    counts = pd.Series(sheet_of_row).value_counts(sort=False)
    listed = ", ".join(f"'{escape(str(name))}' ({count:,})" for name, count in counts.items())
    console.print(f"Households read from {len(counts)} sheets, as one list: {listed}.")


def layout_notices(console: Console, problems: ProblemLog) -> None:
    """What was read of the file's layout that the officer should know: a ward taken from the
    title of a list without a ward column, and columns the survey does not read although they
    may be its own: the members sheet's that are no survey column (their answers count for
    nothing) and the households sheet's that look like a survey column it lacks (a misspelt
    header), each with the header it looks like."""
    table = problems.table()
    for ward, title in table.loc[table["code"] == "ward_from_title", ["value", "column"]].drop_duplicates().itertuples(index=False):
        console.print(f"Note: the list has no 'Phường/Xã' column: every household is of {escape(repr(ward))}, "
                      f"as its title says ({escape(repr(title))})")
    for column, persons in table.loc[table["code"] == "persons_list", ["column", "expected"]].itertuples(index=False):
        console.print(f"Note: the list gives each household's members under its row: {persons} rows read as members "
                      f"of the household above them ({escape(repr(column))} other than 'Chủ hộ'), not as households")
    for column, first in table.loc[table["code"] == "from_group_titles", ["column", "value"]].drop_duplicates("column").itertuples(index=False):
        console.print(f"Note: {escape(repr(column))}: each household that does not give it is of the group title "
                      f"above it ({escape(repr(first))}, …)")
    for code, what in (("column_not_read", "columns of the members sheet not read (not survey columns)"),
                       ("column_looks_like", "columns kept as the file's own, not read as the survey's")):
        columns = table.loc[table["code"] == code, ["column", "expected"]].drop_duplicates("column")
        if columns.empty:
            continue
        named = [f"'{header}'" + (f" (is it '{like}'?)" if like else "") for header, like in columns.itertuples(index=False)]
        console.print(f"Note: {what}: {escape(', '.join(named))}")


def provisional_notice(console: Console, result: RunResult) -> None:
    if result.validity_warning:
        console.print(f"[yellow]Warning:[/] {escape(result.validity_warning)}")
        for_the_year = builtin_ids_for_year(result.review_year)
        if for_the_year:
            console.print(f"Hint: the built-in standards for {result.review_year}: {', '.join(for_the_year)} (--standard ID)")
    model = result.standard.model
    if model.provisional:
        note = model.provisional_note or "some of its numbers are not confirmed"
        console.print(f"[yellow]Note:[/] standard {model.id} is provisional: {escape(note)}")


def run_report(console: Console, result: RunResult, lang: str, quiet: bool, problems_file: str | None) -> None:
    c = result.counts
    if not quiet:
        console.print(
            f"Standard {result.standard.model.id}; review year {result.review_year} (from {result.review_year_source})."
        )
        _summary_table(console, result, lang)
    console.print(
        f"Households read: {c.households_read} = classified {c.classified} + undetermined {c.undetermined}"
        f" + rejected {c.rejected}. Members read: {c.members_read}."
    )
    empty_survey_notice(console, c.households_read)
    if c.blank_read_as_no:
        console.print(f"{c.blank_read_as_no} household(s) had blank answer cells read as 'not deprived' (--strict treats them as missing).")
    problems_report(console, result.problems, lang, problems_file)


def empty_survey_notice(console: Console, households_read: int) -> None:
    """A survey with a header and no household under it (an export that went wrong, the wrong
    sheet) is not an error, but its empty outputs should not pass unnoticed in a batch log."""
    if households_read == 0:
        console.print("[yellow]Warning:[/] no household rows below the survey's header: the outputs are empty "
                      "(is this the right file?)")


_SHORT = {
    "vi": ["Phường/Xã", "Số hộ", "Nghèo", "Cận nghèo", "Trung bình", "Không nghèo", "Chưa XĐ", "Lỗi"],
    "en": ["Ward", "Households", "Poor", "Near-poor", "Middle", "Not poor", "Undetermined", "Rejected"],
}


def _summary_table(console: Console, result: RunResult, lang: str) -> None:
    columns = ["ward", "households", "poor", "near_poor", "middle_income", "not_poor", "undetermined", "rejected"]
    rows = [[escape(str(row[c])) for c in columns] for _, row in result.summary.iterrows()]
    console.print(fitted_table(_SHORT[lang], rows, [column != "ward" for column in columns]))


def problems_report(console: Console, problems: ProblemLog, lang: str, problems_file: str | None) -> None:
    """How many errors and warnings, the first few of them in full, and where the rest are."""
    table = problems.located()
    errors, warnings = table[table["severity"] == "error"], table[table["severity"] == "warning"]
    if errors.empty and warnings.empty:
        return
    console.print(f"Problems: {len(errors)} error(s), {len(warnings)} warning(s).")
    first = pd.concat([errors.head(SHOWN_PROBLEMS), warnings.head(SHOWN_PROBLEMS)]).head(SHOWN_PROBLEMS)
    for p, text in zip(first.itertuples(), messages(first, lang)):
        value = f" '{escape(p.value)}'" if p.value else ""
        row = "" if pd.isna(p.row) else f", row {p.row}"
        where = escape(f"sheet '{p.sheet}'{row}, column '{p.column}'")
        console.print(f"  [{'red' if p.severity == 'error' else 'yellow'}]{p.code}[/] {where}{value}: {escape(text)}",
                      markup=True)
    rest = len(errors) + len(warnings) - SHOWN_PROBLEMS
    if rest > 0:
        where = f" in {problems_file}" if problems_file else ""
        console.print(f"  … and {rest} more{where}.")
