"""Problems found in a survey, in the user's terms, with stable codes.

Every problem names the sheet, the spreadsheet row number, the column header as the user wrote
it and the value, so an officer can find and fix the cell. Codes never change meaning; new
problems get new codes. Severity "error" rejects the row, "warning" keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ngheo_cli.frames import combinations, text_from_codes
from ngheo_cli.sheets import SheetSet

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
    "not_a_year": (
        "error",
        "Không đọc được năm hay ngày (cần năm như 1985, hoặc ngày như 15/03/1985)",
        "Not a year or a date (expected a year such as 1985, or a date such as 15/03/1985)",
    ),
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
        "Có thành viên của hộ bị lỗi (dòng {expected}); sửa rồi chạy lại",
        "A member of this household has errors (rows {expected}); fix and run again",
    ),
    "age_missing": ("error", "Cần Tuổi, Năm sinh hoặc Ngày sinh", "Age, birth year or date of birth is needed"),
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
    "footer_row": ("info", "Dòng cuối bảng (ký tên, ghi chú), bỏ qua", "Below the list (signatures, notes), skipped"),
    "unit_from_header": (
        "info",
        "Số tiền trong cột tính theo đơn vị ghi ở tiêu đề: mỗi số được nhân với {expected}",
        "Amounts in this column count in the unit its header gives: each is multiplied by {expected}",
    ),
    "ward_from_title": (
        "info",
        "Danh sách không có cột Phường/Xã: mọi hộ thuộc phường/xã ghi ở dòng tiêu đề này",
        "The list has no ward column: every household is of the ward this title row names",
    ),
    "from_group_titles": (
        "info",
        "Hộ không ghi cột này (hoặc danh sách không có cột này) lấy giá trị từ dòng tiêu đề nhóm phía trên nó",
        "A household without this column's value (or a list without the column) takes it from the group title above it",
    ),
    "persons_list": (
        "info",
        "Danh sách nhân khẩu theo hộ: {expected} người (cột này khác 'Chủ hộ', không có mã hộ riêng, không có thu nhập) "
        "được đọc là thành viên của hộ ở dòng trên họ",
        "A list of persons under their households: {expected} persons (this column other than 'Chủ hộ', no household "
        "id of their own, no income) are read as members of the household above them",
    ),
    "header_repeated": (
        "info",
        "Dòng tiêu đề cột lặp lại trong danh sách (các danh sách dán nối nhau, hoặc tiêu đề in lại mỗi trang), bỏ qua",
        "The header row again inside the list (lists pasted one under another, or a header printed on each page), skipped",
    ),
    "title_row": ("info", "Dòng tên của một danh sách dán tiếp bên dưới, bỏ qua",
                  "The title of a list pasted under the one above, skipped"),
    "section_row": ("info", "Dòng tiêu đề nhóm (phường/xã, tổ/thôn), bỏ qua", "A group title (ward, hamlet), skipped"),
    "column_numbers_row": ("info", "Dòng đánh số cột của mẫu biểu, bỏ qua", "The form's row of column numbers, skipped"),
    "column_looks_like": (
        "info",
        "Cột riêng của tệp, giống cột '{expected}' của mẫu khảo sát: nếu đúng là cột đó, hãy sửa tiêu đề",
        "The file's own column, like the survey's '{expected}': if it is that one, correct its header",
    ),
    "column_not_read": (
        "info",
        "Cột của sheet thành viên không có trong mẫu khảo sát, không được đọc",
        "A column of the members sheet that is not a survey column: not read",
    ),
}


@dataclass
class Problem:
    """One problem, added on its own (the many of one check come as columns: ProblemLog.add_many)."""

    sheet: str
    row: int | None  # spreadsheet row number, 1-based, as Excel shows it
    column: str  # header as the user wrote it
    value: object
    code: str
    expected: str = ""


def message(code: str, expected: str, lang: str = "vi") -> str:
    _, vi, en = CODES[code]
    return (vi if lang == "vi" else en).format(expected=expected)


_KEPT = ["sheet", "row", "column", "value", "code", "expected", "severity"]
_TEXT = [c for c in _KEPT if c != "row"]  # "str" columns, in Arrow: no object per cell


@dataclass
class ProblemLog:
    """Collects every problem of a run; never stops at the first. Kept as columns, a block per
    check (add_many) or per run of single problems: a survey can have a warning on every one
    of its million households, and a Python object per problem cost 10 s per million."""

    _blocks: list[pd.DataFrame] = field(default_factory=list)
    _singles: list[Problem] = field(default_factory=list)
    _sheet_sets: dict[str, SheetSet] = field(default_factory=dict)  # label -> a list kept on several sheets

    def keyed_rows(self, sheets: SheetSet) -> None:
        """Problems logged under this label have row keys (sheets.py), shown as sheet and row."""
        self._sheet_sets[sheets.label] = sheets

    def add(self, problem: Problem) -> None:
        self._singles.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self._singles.extend(problems)

    def add_many(
        self, sheet: str, rows, column: str, values, code: str, expected: str | pd.Series = ""
    ) -> None:
        """One problem per entry of `rows` (spreadsheet row numbers) and `values` (the cells, in
        the same order); `expected`: one text for all, or one per entry."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        self._flush()
        self._blocks.append(_block(
            sheet=sheet, row=rows, column=column, value=_texts(values), code=code,
            expected=expected if isinstance(expected, str) else pd.Series(expected, dtype="str").array,
            severity=CODES[code][0],
        ))

    def add_log(self, other: ProblemLog) -> None:
        """Every problem of another log (a chunk's), after this one's."""
        self._flush()
        self._blocks.append(other.table())
        self._sheet_sets |= other._sheet_sets

    def table(self) -> pd.DataFrame:
        """Every problem in the order found: sheet, row (Int64, missing for a header-level
        problem; a row key on a list kept on several sheets, see located()), column, value (as
        text, "" for a blank), code, expected, severity."""
        self._flush()
        if len(self._blocks) != 1:  # one block from now on: later calls (and promotions) reuse it
            self._blocks = [pd.concat(self._blocks, ignore_index=True) if self._blocks else _block()]
        return self._blocks[0]

    def located(self) -> pd.DataFrame:
        """table() as the user finds the cells: a row key of a list kept on several sheets turned
        back into its sheet's name and row number."""
        table = self.table()
        if not self._sheet_sets:
            return table
        table = table.copy()
        for label, sheets in self._sheet_sets.items():
            hit = ((table["sheet"] == label) & table["row"].notna()).to_numpy()
            names, rows = sheets.split(table.loc[hit, "row"].to_numpy(dtype=np.int64))
            table.loc[hit, "sheet"] = names
            table.loc[hit, "row"] = rows
        return table

    def on_rows(self, sheet: str, severity: str) -> pd.Series:
        """Which problems of table() are of this severity on a row of this sheet (not its header)."""
        table = self.table()
        return (table["sheet"] == sheet) & (table["severity"] == severity) & table["row"].notna()

    def promote(self, where: pd.Series) -> pd.DataFrame:
        """--strict: make the problems where `where` holds (a mask over table()) errors; returns them."""
        hit = where.to_numpy(dtype=bool)
        table = self.table()
        table.loc[hit, "severity"] = "error"
        return table[hit]

    def add_up(self, code: str) -> None:
        """Problems of `code` that each chunk of a chunked run finds with its own count (as
        `expected`, "1.234") made one, with the count of the whole file."""
        table = self.table()
        found = np.flatnonzero(table["code"].to_numpy() == code)
        if len(found) < 2:
            return
        total = sum(int(str(count).replace(".", "")) for count in table["expected"].to_numpy()[found])
        kept = table.drop(index=found[1:]).reset_index(drop=True)
        kept.loc[found[0], "expected"] = f"{total:,}".replace(",", ".")
        self._blocks = [kept]

    def drop_repeats(self) -> None:
        """Keep the first of problems with the same sheet, row, column, code and value (header
        problems found again in every chunk of a chunked run)."""
        self._blocks = [self.table().drop_duplicates(["sheet", "row", "column", "code", "value"], ignore_index=True)]

    def count(self, severity: str) -> int:
        return int((self.table()["severity"] == severity).sum())

    def to_frame(self, lang: str = "vi") -> pd.DataFrame:
        """The problems file: sorted by sheet and row (a header-level problem first), in the order
        found within a row."""
        table = self.located()
        sheet, _ = pd.factorize(table["sheet"], sort=True)
        order = np.lexsort((table["row"].fillna(0).to_numpy(dtype=np.int64), sheet))  # (stable)
        table = table.take(order).reset_index(drop=True)
        frame = table[["sheet", "row", "column", "value", "code", "severity"]].copy()
        frame["message"] = messages(table, lang)
        return frame

    def _flush(self) -> None:
        if self._singles:
            problems, self._singles = self._singles, []
            self._blocks.append(_block(
                sheet=[p.sheet for p in problems], row=[p.row for p in problems], column=[p.column for p in problems],
                value=_texts([p.value for p in problems]), code=[p.code for p in problems],
                expected=[p.expected for p in problems], severity=[CODES[p.code][0] for p in problems],
            ))


def _block(**columns) -> pd.DataFrame:
    """A block of problems from columns (lists, arrays, or one value for all), typed as the log keeps them."""
    rows = columns.get("row", [])
    frame = pd.DataFrame({name: columns.get(name, []) for name in _KEPT}, index=pd.RangeIndex(len(rows)))
    return frame.astype({**{c: "str" for c in _TEXT}, "row": "Int64"})


def messages(problems: pd.DataFrame, lang: str) -> pd.Series:
    """The message of each problem (rows of ProblemLog.table()), written once per distinct code
    and detail."""
    code, codes = pd.factorize(problems["code"])
    expected, details = pd.factorize(problems["expected"])
    combination, first = combinations([code, expected], [len(codes), len(details)], len(problems))
    codes, details = codes.tolist(), details.tolist()  # (an Arrow-backed index costs microseconds per item)
    texts = [message(codes[c], details[e], lang) for c, e in zip(code[first].tolist(), expected[first].tolist())]
    return text_from_codes(texts, combination, problems.index).astype("str")


def _texts(values) -> pd.arrays.ArrowStringArray | list:
    """Cells as the text a problem shows ("" for a blank; 3.0 as 3, as the officer typed it)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if isinstance(series.dtype, pd.StringDtype):  # ids and text cells: no Python object per cell on the way
        return series.fillna("").astype("str").array
    return [as_typed(v) for v in series.tolist()]


def as_typed(value: object) -> str:
    """A cell as the officer typed it: 3.0 (as Excel stores 3) as 3, a blank as ""."""
    value = _plain(value)
    return "" if value is None else str(value)


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
