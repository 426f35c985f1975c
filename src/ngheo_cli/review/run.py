"""One year-end review, from year lists to tables. No IO.

lists (this year, last year, earlier years) -> one row per household with its status each year
-> movements (this year against last, and last against the year before when known) -> today's
ward for each household -> transition table -> targets -> the lists officers read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ngheo_cli.errors import InputError
from ngheo_cli.frames import arrow_text, is_blank, map_distinct, rows_on_list, taken_at
from ngheo_cli.review.lists import (
    ABSENT,
    POOR,
    UNKNOWN,
    YearList,
    list_from_previous_status,
)
from ngheo_cli.review.movements import (
    ESCAPED,
    NEW,
    RETURNED,
    follow,
    join_years,
    status_column,
)
from ngheo_cli.review.table import UNKNOWN_AREA, transition_table
from ngheo_cli.review.targets import FAIL, Targets, check_targets
from ngheo_cli.review.wards import WardMap, place_households, ward_key
from ngheo_cli.ward_names import described, ward_spellings

BOTH, LAST_ONLY, THIS_ONLY = "both", "last_only", "this_only"


@dataclass
class ReviewResult:
    households: pd.DataFrame  # one row per household on last year's or this year's list
    table: pd.DataFrame
    targets: pd.DataFrame
    lists: dict[str, pd.DataFrame]  # list id -> households (subset of `households`) or set-aside rows
    years: dict[str, int]  # "last", "this"
    lists_used: list[YearList]
    notes: list[str] = field(default_factory=list)  # what the reader must know (history coverage, ...)

    def failed_targets(self) -> pd.DataFrame:
        return self.targets[self.targets["result"] == FAIL]


def review(
    this: YearList, last: YearList | None, earlier: list[YearList], ward_map: WardMap | None,
    targets: Targets, this_standard: str, period: tuple[int, int | None], lang: str = "vi",
) -> ReviewResult:
    """`last` None: last year's list is this year's previous_status column. `period`: the first
    and last year of this year's standard, which bounds the years that make a household tái."""
    notes: list[str] = []
    if last is None:
        last = list_from_previous_status(this)
        if last is None:
            raise InputError(
                f"{this.source}: no last year's list to compare with",
                "give last year's roster or survey first (ngheo review LAST THIS), or fill the column "
                "'Phân loại đầu kỳ' (previous_status) of this year's survey",
            )
        notes.append(f"last year's statuses ({last.year}) are this year's 'Phân loại đầu kỳ' column; "
                     "a blank cell is read as 'not on last year's poor / near-poor list', so moves in and out cannot be seen")
    if last.year >= this.year:
        raise InputError(f"last year's list ({last.source}, {last.year}) is not older than this year's ({this.source}, {this.year})",
                         "give the older list first, or set the years with --last-year / --year")
    if this.year - last.year > 1:
        notes.append(f"the two lists are {this.year - last.year} years apart ({last.year} and {this.year})")

    earlier = _earlier_lists(last, earlier, notes)
    first_year = period[0]
    frame = join_years([*earlier, last, this])
    in_period = [y.year for y in earlier if y.year >= first_year]
    follow(frame, last.year, this.year, in_period)
    previous_known = any(y.year == last.year - 1 for y in earlier)
    if previous_known:
        follow(frame, last.year - 1, last.year, [y for y in in_period if y < last.year - 1], prefix="prev_")
    _note_coverage(notes, first_year, last.year, {y.year for y in earlier})

    present = (frame[status_column(last.year)] != ABSENT) | (frame[status_column(this.year)] != ABSENT)
    frame = frame[present].reset_index(drop=True)
    _presence(frame, last, this)
    _place(frame, last, this, ward_map)
    merged = _one_name_per_ward(frame)
    if merged:
        notes.append(f"wards spelled several ways are counted as one: {merged}")

    table = transition_table(frame, last.year, this.year, lang)
    checks = check_targets(targets, table, frame, this.year, this_standard, previous_known, lang)
    return ReviewResult(frame, table, checks, _lists(frame, last, this), {"last": last.year, "this": this.year},
                        [*earlier, last, this], notes)


def _earlier_lists(last: YearList, given: list[YearList], notes: list[str]) -> list[YearList]:
    """History files, plus last year's previous_status column for the year before it (a
    history file of the same year wins)."""
    years = [y.year for y in given]
    for year in {y for y in years if years.count(y) > 1}:
        raise InputError(f"two history lists are for {year}", "give one list per year")
    for year_list in given:
        if year_list.year >= last.year:
            raise InputError(f"history list {year_list.source} is for {year_list.year}, not before last year's list ({last.year})",
                             "--history is for the years before last year")
    from_column = list_from_previous_status(last)
    if from_column is not None and from_column.year not in years:
        given = [*given, from_column]
    return sorted(given, key=lambda y: y.year)


def _note_coverage(notes: list[str], first_year: int, last_year: int, covered: set[int]) -> None:
    missing = [y for y in range(first_year, last_year) if y not in covered]
    if missing:
        shown = ", ".join(str(y) for y in missing)
        notes.append(f"no list for {shown} (years of this standard period before last year): a household poor in those "
                     f"years only is counted as phát sinh, not tái nghèo; give them with --history")


def _presence(frame: pd.DataFrame, last: YearList, this: YearList) -> None:
    on_last = frame[status_column(last.year)] != ABSENT
    on_this = frame[status_column(this.year)] != ABSENT
    frame["presence"] = pd.Series(BOTH, index=frame.index).where(on_last & on_this, THIS_ONLY).where(on_this, LAST_ONLY)
    split_from = frame["split_from"].where(on_this & ~on_last)
    children = split_from.dropna().groupby(split_from.dropna()).groups
    notes = [""] * len(frame)  # a household on both lists has no note: only the others are looked at
    presence = frame["presence"].to_numpy()
    others = np.flatnonzero(presence != BOTH)
    for position, household_id, parent in zip(others.tolist(), frame["household_id"].iloc[others].tolist(),
                                              split_from.iloc[others].tolist()):
        if presence[position] == THIS_ONLY:
            notes[position] = (f"tách từ hộ {parent} / split from {parent}" if not is_blank(parent)
                               else "mới vào danh sách (chuyển đến, hộ mới) / new on the list (moved in, new household)")
        else:
            kids = ", ".join(frame.loc[children[household_id], "household_id"]) if household_id in children else ""
            notes[position] = (f"tách thành {kids} / split into {kids}" if kids
                               else "không còn trong danh sách (chuyển đi, nhập hộ) / not on this year's list (moved out, merged)")
    frame["presence_note"] = pd.Series(notes, index=frame.index, dtype="string")


def _place(frame: pd.DataFrame, last: YearList, this: YearList, ward_map: WardMap | None) -> None:
    """This year's ward for a household on this year's list; for one only on last year's
    list, the ward its old ward and tổ dân phố lead to. A household on both lists whose old
    ward leads elsewhere is noted (it moved, or the map is wrong), and counted where it is now."""
    at = rows_on_list(frame["household_id"], last.households["household_id"])  # each household's row last year
    frame["ward_last"] = taken_at(last.households["ward"], at, frame.index).astype("string")
    frame["hamlet_last"] = taken_at(last.households["hamlet"], at, frame.index).astype("string")
    this_wards = this.households["ward"]
    placed, why = place_households(frame["ward_last"], frame["hamlet_last"], ward_map, this_wards)
    on_this = (frame["presence"] != LAST_ONLY).to_numpy()
    frame["ward_review"] = frame["ward"].astype("string").where(on_this, placed)
    frame["area_review"] = frame["area"].astype("string").fillna(UNKNOWN_AREA)
    check = on_this & (frame["presence"] == BOTH).to_numpy() & placed.notna().to_numpy()
    moved = check & (map_distinct(placed, ward_key) != map_distinct(frame["ward"], ward_key)).to_numpy()
    frame["ward_note"] = _moved_notes(why.astype("string").where(~on_this, ""), moved, frame, placed)


def _one_name_per_ward(frame: pd.DataFrame) -> str:
    """The spellings of one ward's name among the households' wards counted under one name, as
    in classify's summary (ward_names.py); what was merged, described ("" when nothing)."""
    codes, wards = pd.factorize(frame["ward_review"], use_na_sentinel=True)
    rows = np.bincount(codes[codes >= 0], minlength=len(wards))
    renamed = ward_spellings(dict(zip(wards.tolist(), rows.tolist())))
    if renamed:
        frame["ward_review"] = map_distinct(frame["ward_review"], lambda ward: renamed.get(ward, ward), dtype="string")
    return described(renamed)


def _moved_notes(notes: pd.Series, moved: np.ndarray, frame: pd.DataFrame, placed: pd.Series) -> pd.Series:
    """`notes`, with the households that `moved` told where they were and where the ward map
    puts that: spelled in Arrow, since a wrong ward map moves most of a city's households."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not moved.any():
        return notes
    at = np.flatnonzero(moved)

    def text(column: pd.Series) -> pa.Array:
        return arrow_text(column.iloc[at].astype("string").fillna(""))

    def words(value: str) -> pa.Scalar:
        return pa.scalar(value, pa.large_string())

    now = text(placed)
    spelled = pc.binary_join_element_wise(
        words("năm trước ở "), text(frame["ward_last"]), words(", "), text(frame["hamlet_last"]), words(", nay thuộc "),
        now, words(" theo bảng phường / last year in a part of "), now, words(": moved, or the ward map is wrong"),
        words(""),  # (the last: the separator)
    )
    written = pc.replace_with_mask(arrow_text(notes), pa.array(moved), spelled)
    return pd.Series(pd.arrays.ArrowStringArray(written), index=notes.index)


def _lists(frame: pd.DataFrame, last: YearList, this: YearList) -> dict[str, pd.DataFrame]:
    def either(kind: str) -> pd.Series:
        return (frame["poor_movement"] == kind) | (frame["near_poor_movement"] == kind)

    this_status, last_status = frame[status_column(this.year)], frame[status_column(last.year)]
    unmatched = (
        (frame["presence"] != BOTH) | (this_status == UNKNOWN) | (last_status == UNKNOWN)
        | ((frame["presence"] == LAST_ONLY) & frame["ward_review"].isna()) | (frame["ward_note"] != "")
    )
    set_aside = [y.set_aside.assign(list=y.source) for y in (last, this) if not y.set_aside.empty]
    return {
        "escaped": frame[either(ESCAPED)],
        "re_impoverished": frame[either(RETURNED)],
        "newly_poor": frame[either(NEW)],
        "merit_still_poor": frame[(this_status == POOR) & frame["merit_family"]],
        "unmatched": frame[unmatched],
        "set_aside": pd.concat(set_aside, ignore_index=True) if set_aside else pd.DataFrame(),
    }
