"""A year's list of households as the review needs it: who, where, and which status.

A list comes from a classified roster (the file `ngheo classify` writes, or the roster of a
survey classified on the fly) or from the `previous_status` column of a survey (the status on
the year before's list). Rows that cannot be followed from year to year are kept apart and
listed: a row without a household id, and every row of a household id used twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ngheo_cli.frames import is_blank, map_distinct

POOR, NEAR_POOR = "poor", "near_poor"
OTHER = "other"  # on the list as middle income or not poor, or not on the poor/near-poor list
UNKNOWN = "unknown"  # the household is on the list but its status is not known (rejected, undetermined, duplicate id)
ABSENT = "absent"  # not on that year's list

_STATUS_OF_CLASS = {"poor": POOR, "near_poor": NEAR_POOR, "middle_income": OTHER, "not_poor": OTHER}
INFO_COLUMNS = ("head_name", "ward", "hamlet", "area", "merit_family", "ethnic_minority", "split_from")


@dataclass
class YearList:
    year: int
    year_source: str  # where the year came from: "option", "title row", "metadata", "file name", ...
    source: str  # file name, or "<file>: column previous_status"
    standard_id: str  # "" when the file does not say
    households: pd.DataFrame  # one row per household id: household_id, status, classification, INFO_COLUMNS, source_row
    rows_read: int
    set_aside: pd.DataFrame = field(default_factory=pd.DataFrame)  # rows without an id: [source_sheet], source_row, head_name, ward, why
    previous: pd.DataFrame | None = None  # household_id, classification: the previous_status column, if the list had one

    def statuses(self) -> pd.Series:
        return self.households.set_index("household_id")["status"]


def list_from_roster(
    roster: pd.DataFrame, year: int, year_source: str, source: str, standard_id: str
) -> YearList:
    """A classified roster (codes, not words) -> a YearList. Duplicate ids collapse to one
    household whose status is unknown; rows without an id are set aside."""
    frame = pd.DataFrame({"household_id": roster["household_id"].astype("string").str.strip()})
    for column in INFO_COLUMNS:
        frame[column] = roster[column] if column in roster else pd.NA
    for flag in ("merit_family", "ethnic_minority"):
        frame[flag] = frame[flag].fillna(False).astype(bool)
    frame["classification"] = roster["classification"].astype("string")
    frame["source_row"] = roster["source_row"] if "source_row" in roster else pd.RangeIndex(2, len(roster) + 2)
    # a list kept on several sheets: the row number alone does not find a row
    place = ["source_sheet", "source_row"] if "source_sheet" in roster else ["source_row"]
    if "source_sheet" in roster:
        frame["source_sheet"] = roster["source_sheet"]
    no_id = frame["household_id"].isna() | (frame["household_id"] == "")
    set_aside = frame[no_id].assign(why="no_household_id")[[*place, "head_name", "ward", "classification", "why"]]
    frame = frame[~no_id]

    duplicated = frame["household_id"].duplicated(keep=False)
    if duplicated.any():
        rows = frame[duplicated].groupby("household_id", sort=False)["source_row"].agg(
            lambda r: ", ".join(str(int(x)) for x in r))
        frame = frame.drop_duplicates("household_id", keep="first").copy()
        hit = frame["household_id"].isin(rows.index)
        frame.loc[hit, "classification"] = "duplicate_id"
        frame["duplicate_rows"] = frame["household_id"].map(rows)
    else:
        frame["duplicate_rows"] = pd.NA
    frame["status"] = map_distinct(frame["classification"], lambda c: _STATUS_OF_CLASS.get(c, UNKNOWN)).fillna(UNKNOWN)

    previous = None
    if "previous_status" in roster:
        given = roster.loc[frame.index, "previous_status"]
        previous = pd.DataFrame({"household_id": frame["household_id"], "classification": given.astype("string")})
    return YearList(year, year_source, source, standard_id, frame.reset_index(drop=True), len(roster),
                    set_aside.reset_index(drop=True), previous)


def list_from_previous_status(of: YearList) -> YearList | None:
    """The year before `of`, as its `previous_status` column tells it. A blank cell means the
    household was not on that year's poor / near-poor / middle-income list: its status is
    "other" (neither poor nor near-poor), which is all the transitions need."""
    if of.previous is None:
        return None
    given = of.previous["classification"]
    if given.isna().all() or all(is_blank(v) for v in given.dropna().unique()):
        return None
    frame = of.households[["household_id", *INFO_COLUMNS, "source_row"]].copy()
    frame["classification"] = given.to_numpy()
    frame["status"] = map_distinct(frame["classification"], lambda c: _STATUS_OF_CLASS.get(c, OTHER)).fillna(OTHER)
    frame["duplicate_rows"] = pd.NA
    source = f"{of.source}: cột Phân loại đầu kỳ / column previous_status"
    return YearList(of.year - 1, f"the year before {of.year}", source, "", frame, len(frame))
