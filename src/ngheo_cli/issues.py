"""Problems found in a survey, in the user's terms, with stable codes.

Every problem names the sheet, the spreadsheet row number, the column header as the user wrote
it and the value, so an officer can find and fix the cell. Codes never change meaning; new
problems get new codes. Severity "error" rejects the row, "warning" keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# code -> (severity, Vietnamese message, English message). {expected} is filled per problem.
CODES: dict[str, tuple[str, str, str]] = {
    "required": ("error", "Thiếu giá trị bắt buộc", "A required value is missing"),
    "not_a_number": ("error", "Không đọc được số (cần {expected})", "Not a number (expected {expected})"),
    "ambiguous_number": (
        "error",
        "Số không rõ dấu phân cách: dùng dấu chấm cho hàng nghìn, dấu phẩy cho phần thập phân",
        "Ambiguous number: write thousands with '.' and decimals with ','",
    ),
    "not_an_integer": ("error", "Cần số nguyên", "Expected a whole number"),
    "out_of_range": ("error", "Giá trị ngoài khoảng cho phép ({expected})", "Value out of range ({expected})"),
    "not_yes_no": (
        "error",
        "Không hiểu câu trả lời có/không (dùng x, có, 1 hoặc để trống, không, 0)",
        "Not a yes/no answer (use x, có, 1 or blank, không, 0)",
    ),
    "bad_category": ("error", "Giá trị không thuộc danh mục: {expected}", "Not one of: {expected}"),
    "area_required": (
        "error",
        "Cần ghi Khu vực (thành thị/nông thôn) vì tên phường/xã không cho biết",
        "Area (urban/rural) is needed: the ward name does not tell",
    ),
    "income_missing": (
        "error",
        "Thiếu thu nhập: cần một trong các cột thu nhập bình quân, tổng thu nhập 12 tháng hoặc điểm B1",
        "No income: fill income per capita, income for 12 months or the B1 score",
    ),
    "members_unknown": (
        "error",
        "Không biết số nhân khẩu: ghi Số nhân khẩu hoặc liệt kê thành viên ở sheet thành viên",
        "Household size unknown: fill the members count or list the members",
    ),
    "duplicate_household": (
        "error",
        "Mã hộ bị trùng (cũng ở dòng {expected}); không hộ nào trong số này được phân loại",
        "Duplicate household ID (also at rows {expected}); none of these copies is classified",
    ),
    "member_without_household": (
        "error",
        "Thành viên thuộc mã hộ không có trong sheet hộ",
        "Member of a household that is not in the households sheet",
    ),
    "member_rejected": (
        "error",
        "Có thành viên của hộ bị lỗi (sheet thành viên, dòng {expected}); sửa rồi chạy lại",
        "A member of this household has errors (members sheet, rows {expected}); fix and run again",
    ),
    "age_missing": ("error", "Cần Tuổi hoặc Năm sinh", "Age or birth year is needed"),
    "household_rejected": (
        "warning",
        "Hộ của thành viên này bị loại, thành viên không được tính",
        "This member's household was rejected, so the member is not counted",
    ),
    "members_count_differs": (
        "warning",
        "Số nhân khẩu ghi {expected}, khác số thành viên liệt kê; dùng số ghi ở sheet hộ",
        "Members count says {expected}, unlike the members listed; the households sheet wins",
    ),
    "indicator_missing": (
        "warning",
        "Thiếu dữ liệu để xác định chỉ số: {expected}",
        "Not enough data to decide indicator(s): {expected}",
    ),
    "blank_read_as_no": (
        "warning",
        "Mọi ô thiếu hụt đều để trống, được đọc là không thiếu hụt",
        "Every deprivation cell is blank and was read as not deprived",
    ),
    "undetermined": (
        "warning",
        "Không đủ dữ liệu để phân loại: {expected}",
        "Not enough data to classify: {expected}",
    ),
    "implausible_value": (
        "warning",
        "Giá trị khó tin ({expected}): kiểm tra lại ô này",
        "Implausible value ({expected}): check this cell",
    ),
    "legacy_font": (
        "warning",
        "Chữ có vẻ gõ bằng phông cũ (TCVN3/VNI): chuyển mã sang Unicode rồi chạy lại",
        "Text looks typed in a legacy font (TCVN3/VNI): convert it to Unicode and run again",
    ),
    "totals_row": ("info", "Dòng tổng cộng, bỏ qua", "Totals row, skipped"),
}


@dataclass
class Problem:
    sheet: str
    row: int | None  # spreadsheet row number, 1-based, as Excel shows it
    column: str  # header as the user wrote it
    value: object
    code: str
    expected: str = ""
    promoted: bool = False  # a warning made an error by --strict

    @property
    def severity(self) -> str:
        return "error" if self.promoted else CODES[self.code][0]

    def message(self, lang: str = "vi") -> str:
        _, vi, en = CODES[self.code]
        return (vi if lang == "vi" else en).format(expected=self.expected)


@dataclass
class ProblemLog:
    """Collects every problem of a run; never stops at the first."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def add_many(
        self, sheet: str, rows: pd.Series, column: str, values: pd.Series, code: str, expected: str = ""
    ) -> None:
        """One problem per entry of `rows`/`values` (aligned Series, usually a masked column)."""
        for row, value in zip(rows.tolist(), values.tolist()):
            self.problems.append(Problem(sheet, int(row), column, _plain(value), code, expected))

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    def to_frame(self, lang: str = "vi") -> pd.DataFrame:
        columns = ["sheet", "row", "column", "value", "code", "severity", "message"]
        records = [
            (p.sheet, p.row, p.column, p.value, p.code, p.severity, p.message(lang))
            for p in sorted(self.problems, key=lambda p: (p.sheet, p.row or 0))
        ]
        frame = pd.DataFrame.from_records(records, columns=columns)
        frame["row"] = frame["row"].astype("Int64")
        frame["value"] = frame["value"].astype(object).map(lambda v: "" if v is None else str(v))
        return frame


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return int(value)  # Excel stores 3 as 3.0; show what the officer typed
    return value
