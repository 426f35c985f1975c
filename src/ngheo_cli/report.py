"""What a run tells the person at the terminal, on stderr (stdout is for data)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ngheo_cli.issues import ProblemLog
from ngheo_cli.pipeline import RunResult

SHOWN_PROBLEMS = 8


def stderr_console() -> Console:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = 160  # a log file does not wrap: keep table rows on one line
    return console


def provisional_notice(console: Console, result: RunResult) -> None:
    if result.validity_warning:
        console.print(f"[yellow]Warning:[/] {escape(result.validity_warning)}")
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
    if c.blank_read_as_no:
        console.print(f"{c.blank_read_as_no} household(s) had blank answer cells read as 'not deprived' (--strict treats them as missing).")
    problems_report(console, result.problems, lang, problems_file)


_SHORT = {
    "vi": ["Phường/Xã", "Số hộ", "Nghèo", "Cận nghèo", "Trung bình", "Không nghèo", "Chưa XĐ", "Lỗi"],
    "en": ["Ward", "Households", "Poor", "Near-poor", "Middle", "Not poor", "Undetermined", "Rejected"],
}


def _summary_table(console: Console, result: RunResult, lang: str) -> None:
    columns = ["ward", "households", "poor", "near_poor", "middle_income", "not_poor", "undetermined", "rejected"]
    table = Table(show_edge=False, header_style="bold")
    for column, header in zip(columns, _SHORT[lang]):
        table.add_column(header, justify="left" if column == "ward" else "right", no_wrap=True)
    for _, row in result.summary.iterrows():
        table.add_row(*(str(row[c]) for c in columns))
    console.print(table)


def problems_report(console: Console, problems: ProblemLog, lang: str, problems_file: str | None) -> None:
    """How many errors and warnings, the first few of them in full, and where the rest are."""
    errors = [p for p in problems.problems if p.severity == "error"]
    warnings = [p for p in problems.problems if p.severity == "warning"]
    if not errors and not warnings:
        return
    console.print(f"Problems: {len(errors)} error(s), {len(warnings)} warning(s).")
    for p in (errors + warnings)[:SHOWN_PROBLEMS]:
        value = "" if p.value in (None, "") else f" '{escape(str(p.value))}'"
        where = escape(f"sheet '{p.sheet}', row {p.row}, column '{p.column}'")
        console.print(f"  [{'red' if p.severity == 'error' else 'yellow'}]{p.code}[/] {where}{value}: {escape(p.message(lang))}",
                      markup=True)
    rest = len(errors) + len(warnings) - SHOWN_PROBLEMS
    if rest > 0:
        where = f" in {problems_file}" if problems_file else ""
        console.print(f"  … and {rest} more{where}.")
