"""What a review writes: the tables with stable column ids (CSV, JSON), and the workbook with
Vietnamese (or English) headers and words. Pure: frames in, frames out."""

from __future__ import annotations

import pandas as pd

from ngheo_cli import __version__
from ngheo_cli.frames import map_distinct
from ngheo_cli.labels import class_label
from ngheo_cli.review.lists import ABSENT, OTHER, UNKNOWN, YearList
from ngheo_cli.review.movements import CLASSES, INFLOWS, OUTFLOWS
from ngheo_cli.review.run import ReviewResult
from ngheo_cli.review.table import count_columns

HOUSEHOLD_COLUMNS = [
    "household_id", "head_name", "ward_review", "area_review", "hamlet", "ward_last", "hamlet_last",
    "status_last", "class_last", "status_this", "class_this", "poor_movement", "near_poor_movement",
    "poor_earlier_years", "near_poor_earlier_years", "merit_family", "ethnic_minority",
    "presence", "presence_note", "ward_note",
]
LIST_SHEETS = {  # list id -> (vi sheet, en sheet)
    "escaped": ("Thoát nghèo, cận nghèo", "Escaped"),
    "re_impoverished": ("Tái nghèo, tái cận nghèo", "Re-impoverished"),
    "newly_poor": ("Phát sinh", "Newly poor"),
    "merit_still_poor": ("NCC còn nghèo", "Merit families poor"),
    "unmatched": ("Không khớp", "Unmatched"),
    "set_aside": ("Dòng không có mã hộ", "Rows without id"),
}
_CLASS_WORD = {"poor": ("nghèo", "poor"), "near_poor": ("cận nghèo", "near-poor")}
_MOVES = {  # movement -> (vi, en) with {c} the class and {o} the other class
    "remained": ("vẫn là hộ {c}", "still {c}"),
    "escaped": ("thoát {c}", "escaped {c}"),
    "to_other_class": ("từ {c} sang {o}", "{c} to {o}"),
    "left": ("hộ {c} không còn trong danh sách", "{c}, left the list"),
    "unknown_after": ("hộ {c} năm trước, năm nay chưa xác định", "{c} last year, unknown now"),
    "returned": ("tái {c}", "re-entered {c}"),
    "new": ("{c} phát sinh", "newly {c}"),
    "from_other_class": ("từ {o} sang {c}", "{o} to {c}"),
    "joined": ("hộ {c} mới vào danh sách", "{c}, new on the list"),
    "unknown_before": ("hộ {c}, năm trước chưa xác định", "{c}, unknown last year"),
}
_AREA_WORDS = {"urban": ("thành thị", "urban"), "rural": ("nông thôn", "rural"), "unknown": ("chưa xác định", "not known")}
_LEVEL_WORDS = {"area": ("khu vực", "area"), "ward": ("phường/xã", "ward"), "total": ("tổng", "total")}
_SET_ASIDE_WORDS = {"no_household_id": ("không có mã hộ", "no household id")}
_PRESENCE_WORDS = {"both": ("cả hai năm", "both years"), "last_only": ("chỉ năm trước", "last year only"),
                   "this_only": ("chỉ năm nay", "this year only")}
_STATUS_WORDS = {ABSENT: ("không có trong danh sách", "not on the list"), UNKNOWN: ("chưa xác định", "unknown"),
                 OTHER: ("không nghèo, không cận nghèo", "neither poor nor near-poor")}


def household_rows(result: ReviewResult) -> pd.DataFrame:
    """The households frame with stable column names (the years are in the metadata)."""
    last, this = result.years["last"], result.years["this"]
    frame = result.households.rename(columns={
        f"status_{last}": "status_last", f"class_{last}": "class_last",
        f"status_{this}": "status_this", f"class_{this}": "class_this",
    })
    columns = HOUSEHOLD_COLUMNS + [c for c in ("prev_poor_movement", "prev_near_poor_movement") if c in frame]
    return frame[columns].reset_index(drop=True)


def headers(result: ReviewResult, lang: str) -> dict[str, str]:
    vi = lang == "vi"
    last, this = result.years["last"], result.years["this"]
    names = {
        "household_id": ("Mã hộ", "Household ID"), "head_name": ("Họ tên chủ hộ", "Head of household"),
        "ward_review": ("Phường/Xã (năm nay)", "Ward (now)"), "area_review": ("Khu vực", "Area"),
        "hamlet": ("Tổ dân phố/Thôn", "Hamlet"), "ward_last": (f"Phường/Xã năm {last}", f"Ward in {last}"),
        "hamlet_last": (f"Tổ dân phố năm {last}", f"Hamlet in {last}"),
        "status_last": (f"Tình trạng {last}", f"Status {last}"), "class_last": (f"Phân loại {last}", f"Class {last}"),
        "status_this": (f"Tình trạng {this}", f"Status {this}"), "class_this": (f"Phân loại {this}", f"Class {this}"),
        "poor_movement": ("Biến động hộ nghèo", "Poor: movement"), "near_poor_movement": ("Biến động hộ cận nghèo", "Near-poor: movement"),
        "poor_earlier_years": ("Năm từng nghèo trước đó", "Earlier years poor"),
        "near_poor_earlier_years": ("Năm từng cận nghèo trước đó", "Earlier years near-poor"),
        "prev_poor_movement": (f"Biến động hộ nghèo {last - 1}–{last}", f"Poor: movement {last - 1}–{last}"),
        "prev_near_poor_movement": (f"Biến động hộ cận nghèo {last - 1}–{last}", f"Near-poor: movement {last - 1}–{last}"),
        "merit_family": ("Hộ người có công", "Merit family"), "ethnic_minority": ("Hộ DTTS", "Ethnic minority"),
        "presence": ("Có trong danh sách", "On the lists"), "presence_note": ("Ghi chú danh sách", "List note"),
        "ward_note": ("Ghi chú phường", "Ward note"),
        "level": ("Cấp", "Level"), "area": ("Khu vực", "Area"), "ward": ("Đơn vị", "Unit"),
        "households_start": (f"Tổng số hộ đầu năm ({last})", f"Households at start ({last})"),
        "households_end": (f"Tổng số hộ cuối năm ({this})", f"Households at end ({this})"),
        "target": ("Mã chỉ tiêu", "Target"), "target_name": ("Chỉ tiêu", "Target name"), "figure": ("Kết quả", "Figure"),
        "threshold": ("Mức chỉ tiêu", "Threshold"), "result": ("Đạt / không đạt", "Result"), "detail": ("Chi tiết", "Detail"),
        "households": ("Các hộ", "Households"), "source": ("Nguồn", "Source"),
        "source_sheet": ("Sheet trong tệp", "Sheet in file"), "source_row": ("Dòng trong tệp", "Row in file"), "classification": ("Phân loại", "Classification"),
        "why": ("Lý do", "Why"), "list": ("Danh sách", "List"),
        "term": ("Thuật ngữ", "Term"), "definition": ("Định nghĩa", "Definition"), "year": ("Năm", "Year"),
        "year_from": ("Năm lấy từ", "Year from"), "standard": ("Chuẩn nghèo", "Standard"),
        "rows_read": ("Số dòng đọc", "Rows read"), "households_found": ("Số hộ", "Households"),
        "rows_without_id": ("Dòng không có mã hộ", "Rows without id"),
        "households_with_duplicate_id": ("Hộ có mã bị trùng", "Households with a duplicated id"),
        "extra_rows_of_duplicate_ids": ("Dòng thừa của mã trùng", "Extra rows of duplicated ids"),
    }
    for cls in CLASSES:
        c = _CLASS_WORD[cls][0 if vi else 1]
        o = _CLASS_WORD["near_poor" if cls == "poor" else "poor"][0 if vi else 1]
        names[f"{cls}_start"] = (f"Hộ {c} đầu năm: số hộ", f"{c} at start: number")
        names[f"{cls}_start_ethnic"] = (f"Hộ {c} đầu năm: trong đó DTTS", f"{c} at start: ethnic minority")
        names[f"{cls}_start_rate"] = (f"Hộ {c} đầu năm: tỷ lệ (%)", f"{c} at start: rate (%)")
        names[f"{cls}_end"] = (f"Hộ {c} cuối năm: số hộ", f"{c} at end: number")
        names[f"{cls}_end_rate"] = (f"Hộ {c} cuối năm: tỷ lệ (%)", f"{c} at end: rate (%)")
        names[f"{cls}_end_ethnic"] = (f"Hộ {c} cuối năm: trong đó DTTS", f"{c} at end: ethnic minority")
        for move in (*OUTFLOWS, *INFLOWS):
            sign = ("giảm", "out") if move in OUTFLOWS else ("tăng", "in")
            pair = _MOVES[move]
            names[f"{cls}_{move}"] = (f"Trong năm ({sign[0]}): {pair[0].format(c=c, o=o)}",
                                      f"During the year ({sign[1]}): {pair[1].format(c=c, o=o)}")
    return {k: v[0 if vi else 1] for k, v in names.items()}


def for_people(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Codes to words for the workbook: statuses, classes, movements, yes/no."""
    pick = 0 if lang == "vi" else 1
    out = frame.copy()
    for column in ("status_last", "status_this"):
        if column in out:
            out[column] = map_distinct(out[column], lambda s: _STATUS_WORDS[s][pick] if s in _STATUS_WORDS else class_label(s, lang))
    for column in ("class_last", "class_this", "classification"):
        if column in out:
            out[column] = map_distinct(out[column], lambda s: _class_word(s, lang))
    for column in [c for c in out.columns if c.endswith("poor_movement")]:
        cls = "near_poor" if "near_poor" in column else "poor"
        out[column] = map_distinct(out[column], lambda m, cls=cls: _move_word(m, cls, pick))
    for column, words in (("area_review", _AREA_WORDS), ("area", _AREA_WORDS), ("level", _LEVEL_WORDS), ("presence", _PRESENCE_WORDS),
                         ("why", _SET_ASIDE_WORDS)):
        if column in out:
            out[column] = map_distinct(out[column], lambda v, words=words: words[v][pick] if v in words else v)
    for flag in ("merit_family", "ethnic_minority"):
        if flag in out:
            out[flag] = out[flag].map({True: "x", False: ""})
    return out


def _class_word(code: object, lang: str) -> str:
    if code is None or code is pd.NA or code != code:
        return ""
    if code == "duplicate_id":
        return "mã hộ bị trùng" if lang == "vi" else "duplicate household id"
    try:
        return class_label(str(code), lang)
    except KeyError:
        return str(code)


def _move_word(move: object, cls: str, pick: int) -> str:
    if not isinstance(move, str) or move not in _MOVES:
        return ""
    other = "near_poor" if cls == "poor" else "poor"
    return _MOVES[move][pick].format(c=_CLASS_WORD[cls][pick], o=_CLASS_WORD[other][pick])


def definitions(lang: str) -> pd.DataFrame:
    vi = lang == "vi"
    rows = [
        ("thoát nghèo / thoát cận nghèo", "escaped",
         "Hộ nghèo (cận nghèo) năm trước, năm nay không nghèo và không cận nghèo.",
         "Poor (near-poor) last year, neither poor nor near-poor this year."),
        ("nghèo ↔ cận nghèo", "to/from other class",
         "Hộ nghèo năm trước thành cận nghèo năm nay, hoặc ngược lại; ghi ở cả hai bảng.",
         "Poor last year and near-poor this year, or the other way; shown in both tables."),
        ("tái nghèo / tái cận nghèo", "re-entered",
         "Năm nay nghèo (cận nghèo); năm trước không nghèo, không cận nghèo; và đã nghèo (cận nghèo) ở một năm trước đó "
         "trong cùng giai đoạn chuẩn nghèo, theo các danh sách được đưa vào (--history, cột Phân loại đầu kỳ).",
         "Poor (near-poor) this year, neither last year, and poor (near-poor) in an earlier year of the same standard "
         "period, as far as the lists given (--history, the previous_status column) show."),
        ("phát sinh", "newly",
         "Năm nay nghèo (cận nghèo); năm trước có trong danh sách nhưng không nghèo, không cận nghèo; và không nghèo "
         "(cận nghèo) ở năm nào trước đó trong giai đoạn mà các danh sách cho biết.",
         "Poor (near-poor) this year, on last year's list as neither, and not so in any earlier year of the period the lists cover."),
        ("mới vào danh sách / không còn trong danh sách", "joined / left",
         "Hộ chỉ có ở một trong hai danh sách (chuyển đến, chuyển đi, tách hộ theo cột Tách từ hộ): đếm riêng, không gộp vào phát sinh hay thoát.",
         "On only one of the two lists (moved in, moved out, split per the 'split_from' column): counted apart, not as newly poor or escaped."),
        ("chưa xác định", "unknown",
         "Hộ có trong danh sách nhưng không biết tình trạng năm đó (dòng bị loại, chưa xác định được, mã hộ bị trùng).",
         "On the list but its status that year is not known (a rejected or undetermined row, a duplicated household id)."),
        ("đầu năm / cuối năm", "start / end",
         "Đầu năm: danh sách năm trước; cuối năm: danh sách năm nay. Cuối năm = đầu năm − giảm + tăng, ở mọi dòng.",
         "Start: last year's list; end: this year's. End = start − out + in, on every row."),
        ("tỷ lệ", "rate",
         "Phần trăm trên tổng số hộ trong danh sách của đơn vị năm đó (không phải tổng số hộ dân cư).",
         "Per cent of the households on that unit's list that year (not of all resident households)."),
        ("phường", "ward",
         "Hộ có trong danh sách năm nay tính theo phường năm nay; hộ chỉ có năm trước tính theo bảng phường (--ward-map). "
         "Hộ không xác định được phường được ghi ở dòng '(Chưa xác định phường)', không đoán.",
         "A household on this year's list counts in this year's ward; one only on last year's list in the ward the map gives "
         "(--ward-map). When the map cannot decide, it counts in '(Ward not decided)', never guessed."),
    ]
    return pd.DataFrame([{"term": r[0] if vi else r[1], "definition": r[2] if vi else r[3]} for r in rows])


def inputs_table(lists: list[YearList]) -> pd.DataFrame:
    rows = []
    for year_list in lists:
        duplicates = year_list.households.get("duplicate_rows", pd.Series(dtype="string")).dropna()
        rows.append({
            "year": year_list.year, "year_from": year_list.year_source, "source": year_list.source,
            "standard": year_list.standard_id, "rows_read": year_list.rows_read,
            "households_found": len(year_list.households), "rows_without_id": len(year_list.set_aside),
            "households_with_duplicate_id": len(duplicates),
            "extra_rows_of_duplicate_ids": int(duplicates.str.count(",").sum()),
        })
    return pd.DataFrame(rows)


def metadata(result: ReviewResult, targets_id: str, ward_map: str, lang: str) -> dict[str, str]:
    return {
        "tool": f"ngheo-cli {__version__}",
        "report": "year-end review (rà soát cuối năm)",
        "last_year": str(result.years["last"]),
        "this_year": str(result.years["this"]),
        "lists": "; ".join(f"{y.year}: {y.source}" for y in result.lists_used),
        "targets": targets_id,
        "ward_map": ward_map or "",
        "notes": " | ".join(result.notes),
        "table_columns": ", ".join(count_columns()),
    }


def workbook_sheets(result: ReviewResult, lang: str) -> dict[str, pd.DataFrame]:
    vi = lang == "vi"
    rows = household_rows(result)
    by_id = rows.set_index("household_id", drop=False)
    sheets = {
        ("Biến động" if vi else "Transitions"): for_people(result.table, lang),
        ("Chỉ tiêu" if vi else "Targets"): for_people(result.targets, lang),
    }
    for list_id, names in LIST_SHEETS.items():
        frame = result.lists[list_id]
        if list_id == "set_aside":
            if not frame.empty:
                sheets[names[0 if vi else 1]] = for_people(frame, lang)
            continue
        sheets[names[0 if vi else 1]] = for_people(by_id.loc[frame["household_id"]].reset_index(drop=True), lang)
    sheets["Từng hộ" if vi else "Households"] = for_people(rows, lang)
    sheets["Định nghĩa" if vi else "Definitions"] = definitions(lang)
    sheets["Danh sách đầu vào" if vi else "Inputs"] = inputs_table(result.lists_used)
    return sheets
