"""Human headers for output columns (xlsx and the terminal), by language. CSV/JSON keep ids."""

from __future__ import annotations

import pandas as pd

from ngheo_cli.frames import map_distinct
from ngheo_cli.schema import GROUP_FLAGS, HOUSEHOLD_COLUMNS
from ngheo_cli.standards.model import CLASS_NAMES, Standard
from ngheo_cli.text import fold

_ROSTER = {
    "income_per_capita_month": ("Thu nhập bình quân đầu người/tháng dùng để xét (đồng)", "Income per person per month used (VND)"),
    "income_source": ("Nguồn thu nhập", "Income source"),
    "deprivation_count": ("Số chỉ số thiếu hụt", "Deprivations"),
    "indicators_missing": ("Chỉ số thiếu dữ liệu", "Indicators without data"),
    "indicators_blank_as_no": ("Chỉ số để trống (đọc là không)", "Blank answers read as no"),
    "classification": ("Phân loại", "Classification"),
    "reason": ("Lý do", "Reason"),
    "source_sheet": ("Sheet trong tệp gốc", "Sheet in input"),  # a list kept on several sheets
    "source_row": ("Dòng trong tệp gốc", "Row in input"),
}
_SUMMARY = {
    "ward": ("Phường/Xã", "Ward/commune"),
    "households": ("Số hộ", "Households"),
    "persons": ("Số nhân khẩu", "Persons"),
    "poor": ("Hộ nghèo", "Poor"),
    "poor_rate": ("Tỷ lệ hộ nghèo (%)", "Poor rate (%)"),
    "near_poor": ("Hộ cận nghèo", "Near-poor"),
    "near_poor_rate": ("Tỷ lệ hộ cận nghèo (%)", "Near-poor rate (%)"),
    "middle_income": ("Hộ có mức sống trung bình", "Middle income"),
    "middle_income_rate": ("Tỷ lệ hộ có mức sống trung bình (%)", "Middle income rate (%)"),
    "not_poor": ("Hộ không nghèo", "Not poor"),
    "undetermined": ("Chưa xác định được", "Undetermined"),
    "rejected": ("Dòng bị loại (lỗi)", "Rows rejected"),
}
_PROBLEMS = {
    "sheet": ("Sheet", "Sheet"),
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "value": ("Giá trị", "Value"),
    "code": ("Mã lỗi", "Code"),
    "severity": ("Mức độ", "Severity"),
    "message": ("Nội dung", "Message"),
}


DEPRIVATION_GROUP = "Thiếu hụt"  # an indicator's answer column is headed "Thiếu hụt: <its name>"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "vi" else pair[1]


def output_headers(standard: Standard, lang: str = "vi") -> dict[str, str]:
    headers = {c.id: (c.header.vi if lang == "vi" else c.header.en) for c in HOUSEHOLD_COLUMNS}
    headers |= {k: _pick(v, lang) for table in (_ROSTER, _SUMMARY, _PROBLEMS) for k, v in table.items()}
    for indicator in standard.indicators:
        name = getattr(indicator.name, lang)
        headers[f"d_{indicator.id}"] = f"{DEPRIVATION_GROUP}: {indicator.name.vi}" if lang == "vi" else f"Deprived: {name}"
        headers[f"poor_near_poor_deprived_{indicator.id}"] = (
            f"Hộ nghèo và cận nghèo thiếu hụt: {indicator.name.vi}" if lang == "vi"
            else f"Poor and near-poor deprived: {name}"
        )
    return headers


def roster_header_ids() -> dict[str, str]:
    """Folded header -> column id, for reading a roster back: the ids themselves (CSV, Parquet)
    and the Vietnamese and English headers of the xlsx roster."""
    found: dict[str, str] = {}
    for column in HOUSEHOLD_COLUMNS:
        for header in (column.id, column.header.vi, column.header.en):
            found[fold(header)] = column.id
    for column_id, pair in _ROSTER.items():
        for header in (column_id, *pair):
            found[fold(header)] = column_id
    return found


def roster_columns_of(header_cells: pd.Series) -> dict[object, str] | None:
    """A first row of cells that is the header of a roster written by `ngheo classify` (a
    household id and a classification column, as ids or as the xlsx's Vietnamese or English
    headers): each cell's column id (None for a column it does not know); None if it is not one."""
    header_ids = roster_header_ids()
    ids = {column: header_ids.get(fold(str(cell))) if isinstance(cell, str) else None
           for column, cell in header_cells.items()}
    return ids if {"household_id", "classification"} <= set(ids.values()) else None


ROSTER_ONLY = tuple(_ROSTER)  # the columns a roster has and a survey does not


def roster_output_names() -> set[str]:
    """The names the roster's own columns take (ids, and the xlsx's headers in both languages):
    a survey's extra column of the same name is renamed rather than mixed up with one of them."""
    return {name for column_id, pair in _ROSTER.items() for name in (column_id, *pair)}


def class_label(code: str, lang: str = "vi") -> str:
    if code == "undetermined":
        return "Chưa xác định được" if lang == "vi" else "Undetermined"
    if code == "rejected":
        return "Bị loại (lỗi)" if lang == "vi" else "Rejected (errors)"
    return CLASS_NAMES[code][lang]


_AREA = {"urban": ("thành thị", "urban"), "rural": ("nông thôn", "rural")}
_SOURCES = {
    "income_per_capita": ("thu nhập bình quân", "income per capita"),
    "income_year": ("tổng thu nhập 12 tháng", "12-month income"),
    "b1_score": ("điểm B1", "B1 score"),
}


def roster_for_people(roster: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The roster as a spreadsheet reader wants it: words instead of codes, "x" for yes."""
    out = roster.copy()
    out["classification"] = map_distinct(roster["classification"], lambda c: class_label(c, lang))
    out["previous_status"] = map_distinct(roster["previous_status"], lambda c: class_label(c, lang))
    out["area"] = map_distinct(roster["area"], lambda a: _pick(_AREA[a], lang))
    out["income_source"] = map_distinct(roster["income_source"], lambda s: _pick(_SOURCES[s], lang))
    for flag in GROUP_FLAGS:
        out[flag] = roster[flag].map({True: "x", False: ""})
    return out
