"""What `ngheo review` tells the person at the terminal, on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ngheo_cli.review.inputs import Loaded
from ngheo_cli.review.run import ReviewResult
from ngheo_cli.review.targets import FAIL, LISTED, NOT_CHECKED, PASS
from ngheo_cli.tables import fitted_table

_RESULT_STYLE = {
    "vi": {PASS: "[green]đạt[/]", FAIL: "[red]không đạt[/]", NOT_CHECKED: "[yellow]chưa kiểm tra được[/]", LISTED: "liệt kê"},
    "en": {PASS: "[green]pass[/]", FAIL: "[red]FAIL[/]", NOT_CHECKED: "[yellow]not checked[/]", LISTED: "listed"},
}
_MOVEMENT_HEADERS = {
    "vi": ("", "Đầu năm", "Thoát", "Sang lớp kia", "Rời DS", "Chưa XĐ (nay)", "Tái", "Phát sinh", "Từ lớp kia",
           "Vào DS", "Chưa XĐ (trước)", "Cuối năm"),
    "en": ("", "Start", "Escaped", "To other", "Left", "Unknown now", "Re-entered", "New", "From other", "Joined",
           "Unknown before", "End"),
}
_TARGET_HEADERS = {"vi": ("Chỉ tiêu (tổng)", "Kết quả", "Mức", "", "Phường không đạt"),
                   "en": ("Target (total)", "Figure", "Threshold", "", "Wards missing it")}


def review_report(console: Console, result: ReviewResult, loaded: list[Loaded], lang: str, quiet: bool) -> None:
    if not quiet:
        for item in sorted(loaded, key=lambda i: i.year_list.year):
            _input_line(console, item)
        for note in result.notes:
            console.print(f"[yellow]Note:[/] {escape(note)}")
        _movements(console, result, lang)
        _targets(console, result, lang)
    total = result.table[result.table["level"] == "total"].iloc[0]
    failed = result.failed_targets()
    in_total = failed[failed["level"] == "total"]
    wards = failed[failed["level"] == "ward"]
    console.print(
        f"{result.years['last']} → {result.years['this']}: poor {total.poor_start} → {total.poor_end}, "
        f"near-poor {total.near_poor_start} → {total.near_poor_end}; "
        f"households {total.households_start} → {total.households_end}; "
        f"targets missed in total: {len(in_total)} of {result.targets['target'].nunique()}, "
        f"and {len(wards)} ward check(s) missed."
    )
    if quiet:
        for row in in_total.itertuples():
            console.print(f"  missed: {escape(row.target_name)}: {_figure(row.figure)} ({row.threshold})")


def _input_line(console: Console, item: Loaded) -> None:
    y = item.year_list
    duplicates = y.households["duplicate_rows"].dropna() if "duplicate_rows" in y.households else []
    extra = int(sum(str(rows).count(",") for rows in duplicates))
    line = (f"{y.year} (year from {y.year_source}): {escape(y.source)}, {y.rows_read} rows = {len(y.households)} households"
            f" + {len(y.set_aside)} without id + {extra} extra rows of duplicated ids")
    if item.run is not None:
        c = item.run.counts
        line += f"; classified under {y.standard_id}: {c.rejected} rejected, {c.undetermined} undetermined"
        if c.rejected or c.undetermined:
            line += f" (their status is 'unknown'; see them with: ngheo validate {escape(y.source)})"
        if item.run.standard.model.provisional:
            line += f" [yellow](standard {y.standard_id} is provisional)[/]"
        if item.run.validity_warning:
            line += f" [yellow]({escape(item.run.validity_warning)})[/]"
    else:
        line += f"; roster{' under ' + y.standard_id if y.standard_id else ''}"
    console.print(line)


def _movements(console: Console, result: ReviewResult, lang: str) -> None:
    total = result.table[result.table["level"] == "total"].iloc[0]
    title = "Biến động trong năm (tổng)" if lang == "vi" else "Movements during the year (total)"
    labels = ("Hộ nghèo", "Hộ cận nghèo") if lang == "vi" else ("Poor", "Near-poor")
    rows = []
    for cls, label in zip(("poor", "near_poor"), labels):
        cells = [total[f"{cls}_{k}"] for k in ("start", "escaped", "to_other_class", "left", "unknown_after", "returned",
                                               "new", "from_other_class", "joined", "unknown_before", "end")]
        rows.append([label, *(str(c) for c in cells)])
    headers = _MOVEMENT_HEADERS[lang]
    console.print(fitted_table(headers, rows, [i > 0 for i in range(len(headers))], title=title))


def _targets(console: Console, result: ReviewResult, lang: str) -> None:
    checks = result.targets
    rows = []
    for row in checks[checks["level"] == "total"].itertuples():
        wards_missed = checks[(checks["target"] == row.target) & (checks["level"] == "ward") & (checks["result"] == FAIL)]
        rows.append([escape(row.target_name), _figure(row.figure), escape(str(row.threshold)), _RESULT_STYLE[lang][row.result],
                     escape(", ".join(wards_missed["ward"])) or "-"])
    console.print(fitted_table(_TARGET_HEADERS[lang], rows, [False, True, False, False, False]))


def _figure(value: object) -> str:
    """1.0 households is 1; 21.21 per cent stays 21.21; no figure is '-'."""
    if value is None or value != value:
        return "-"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
