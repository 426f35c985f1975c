"""Placing last year's households in this year's wards.

Since 1 July 2025 the eight wards of the old Cầu Giấy district are parts of Cầu Giấy, Nghĩa Đô
and Yên Hòa wards, and the mapping is many-to-many (legal-criteria.md §8): a ward, and even a
tổ dân phố, may have been cut in two. A ward map lists (old ward, old tổ dân phố or blank for
the whole ward, new ward). A household is placed only when its old ward and tổ lead to exactly
one new ward; otherwise it is reported with the reason, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ngheo_cli.errors import InputError
from ngheo_cli.frames import combinations, is_blank, text_from_codes
from ngheo_cli.io.workbook import Grid
from ngheo_cli.text import fold, nfc

_UNIT_PREFIX = re.compile(r"^(phuong|xa|thitran)(?=.)")
_HAMLET_PREFIX = re.compile(r"^(todanpho|tdp|to|thon|khupho|kp|ap|ban)(?=\d)")

HEADERS = {
    "old_ward": ("old_ward", "Phường cũ", "Phường/Xã cũ", "Xã cũ", "Đơn vị cũ", "Old ward"),
    "old_hamlet": ("old_hamlet", "Tổ dân phố cũ", "Tổ dân phố/Thôn cũ", "Thôn cũ", "Tổ dân phố", "Old hamlet"),
    "new_ward": ("new_ward", "Phường mới", "Phường/Xã mới", "Xã mới", "Đơn vị mới", "New ward"),
}


def ward_key(name: object) -> str:
    """The matching key of a ward name: "Phường Dịch Vọng", "phường dịch vọng" and "Dịch Vọng"
    all give "dichvong"."""
    return "" if is_blank(name) else _UNIT_PREFIX.sub("", fold(str(name)))


def hamlet_key(name: object) -> str:
    """"Tổ dân phố 5", "TDP 5", "Tổ 5" -> "5"; other names are folded as they are."""
    return "" if is_blank(name) else _HAMLET_PREFIX.sub("", fold(str(name)))


@dataclass
class WardMap:
    """(old ward key, old hamlet key or "") -> the new wards it leads to, in file order."""

    targets: dict[tuple[str, str], list[str]]
    source: str

    def new_wards(self, old_ward: object, old_hamlet: object) -> tuple[list[str], str]:
        """The new wards a household of (old ward, hamlet) may be in, and which rule said so."""
        ward = ward_key(old_ward)
        by_hamlet = self.targets.get((ward, hamlet_key(old_hamlet)))
        if by_hamlet is not None and not is_blank(old_hamlet):
            return by_hamlet, "hamlet"
        whole = self.targets.get((ward, ""))
        if whole is not None:
            return whole, "ward"
        return [], "none"

    def knows_ward(self, old_ward: object) -> bool:
        key = ward_key(old_ward)
        return any(ward == key for ward, _ in self.targets)


def ward_map_from_grid(grid: Grid, source: str) -> WardMap:
    """The first row that has the three headers is the header row; every row below is a rule."""
    cells = grid.cells
    wanted = {column: {fold(h) for h in names} for column, names in HEADERS.items()}
    for row_number, row in cells.head(20).iterrows():
        folded = [fold(v) if not is_blank(v) else "" for v in row]
        found = {}
        for column, names in wanted.items():
            hits = [i for i, h in enumerate(folded) if h in names]
            if hits:
                found[column] = row.index[hits[0]]
        if {"old_ward", "new_ward"} <= found.keys():
            return _rules(cells.loc[row_number + 1:], found, source, grid.name)
    raise InputError(
        f"{source}: no header row with an old ward and a new ward column",
        "head the columns 'Phường cũ', 'Tổ dân phố cũ' (optional) and 'Phường mới'",
    )


def _rules(body: pd.DataFrame, columns: dict, source: str, sheet: str) -> WardMap:
    targets: dict[tuple[str, str], list[str]] = {}
    problems = []
    for row_number, row in body.iterrows():
        old = row[columns["old_ward"]]
        hamlet = row[columns["old_hamlet"]] if "old_hamlet" in columns else None
        new = row[columns["new_ward"]]
        if is_blank(old) and is_blank(new) and is_blank(hamlet):
            continue
        if is_blank(old) or is_blank(new):
            problems.append(f"row {row_number}: an old ward and a new ward are both needed")
            continue
        news = targets.setdefault((ward_key(old), hamlet_key(hamlet)), [])
        if nfc(str(new)) not in news:
            news.append(nfc(str(new)))
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InputError(f"{source} (sheet '{sheet}'): {shown}", "fill in both wards on every row of the ward map")
    return WardMap(targets, source)


def place_households(
    old_wards: pd.Series, old_hamlets: pd.Series, ward_map: WardMap | None, current_wards: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """This year's ward for households known only from last year's list, and why when none.

    A ward still on this year's list keeps its name when the map does not mention it; a ward
    the map sends whole to one new ward goes there; a mapped tổ dân phố goes where its row
    says. A household stays unplaced (NA, with the reason) when the map sends its ward or tổ
    to several wards, or does not know the ward and it is not on this year's list.
    """
    current = {ward_key(w): w for w in current_wards.dropna().unique()}
    # decided once per distinct (ward, tổ) pair: a city's list repeats a few thousand of them
    ward_codes, _ = pd.factorize(old_wards)
    hamlet_codes, _ = pd.factorize(old_hamlets)
    pair, first = combinations([ward_codes + 1, hamlet_codes + 1], [ward_codes.max(initial=-1) + 2,
                               hamlet_codes.max(initial=-1) + 2], len(old_wards))
    wards, hamlets = old_wards.iloc[first].tolist(), old_hamlets.iloc[first].tolist()
    decided = [_place_one(ward, hamlet, ward_map, current) for ward, hamlet in zip(wards, hamlets)]
    placed = text_from_codes([p for p, _ in decided], pair, old_wards.index)
    notes = text_from_codes([n for _, n in decided], pair, old_wards.index)
    return placed, notes


def _place_one(ward: object, hamlet: object, ward_map: WardMap | None, current: dict[str, str]) -> tuple[object, str]:
    """This year's ward (or None) of one old ward and tổ dân phố, and the note."""
    if is_blank(ward):
        return None, "không có phường trong danh sách năm trước / no ward on last year's list"
    news, rule = ward_map.new_wards(ward, hamlet) if ward_map else ([], "none")
    if len(news) == 1:
        return news[0], ""
    if len(news) > 1:
        where = f"{ward}, {hamlet}" if rule == "hamlet" else f"{ward}"
        hint = "" if rule == "hamlet" else " (give its tổ dân phố in the ward map)"
        return None, (f"{where} được chia cho {', '.join(news)}: không xác định được phường / "
                      f"{where} is split between {', '.join(news)}{hint}")
    if ward_key(ward) in current:
        return current[ward_key(ward)], ""
    known = ward_map is not None and ward_map.knows_ward(ward)
    where = f"{ward}{', ' + str(hamlet) if not is_blank(hamlet) else ''}"
    return None, (f"{where}: không có trong bảng phường / not in the ward map" if known or ward_map is not None
                  else f"{ward}: không phải phường năm nay, chưa có bảng phường / "
                       "not a ward of this year's list, and no ward map was given (--ward-map)")
