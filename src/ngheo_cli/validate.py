"""Normalise and validate: raw tables in, typed frames of valid rows plus every problem out.

The checks are read off the pydantic models in schema.py and run column by column over the
whole frame (one model_validate per row costs about 13 s per million rows; these checks cost
a fraction of reading the file). tests/test_validate.py proves that a row
passes here exactly when `Household.model_validate` / `Member.model_validate` accepts it.
No IO here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np
import pandas as pd

from ngheo_cli.frames import (
    categorical_from_codes,
    first_positions,
    groups_by_key,
    is_in,
    joined_by_key,
    position_in,
)
from ngheo_cli.io import cells as parse
from ngheo_cli.io.layout import Survey, Table, closest_column, spelling_table
from ngheo_cli.issues import Problem, ProblemLog
from ngheo_cli.parallel import at_once
from ngheo_cli.schema import (
    HOUSEHOLD_COLUMNS,
    INCOME_SOURCES,
    MEMBER_COLUMNS,
    ColumnSpec,
    Header,
    area_from_ward_name,
)
from ngheo_cli.standards.expr import HOUSEHOLD_POSITION

ROW = "row"  # spreadsheet row number of each record


@dataclass
class ValidSurvey:
    households: pd.DataFrame  # every household row, typed (unusable cells missing); ROW column; extra columns kept
    rejected: np.ndarray  # which of those rows are rejected (not to be classified)
    members: pd.DataFrame  # every member row, with resolved age and HOUSEHOLD_POSITION (-1: not counted)
    problems: ProblemLog
    rows_read: int
    members_read: int
    direct_answers: list[str]  # indicator ids whose d_<id> column the sheet has
    extra_columns: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # id -> header as written


def validate_survey(
    survey: Survey, direct_answer_ids: list[str], review_year: int, report: Callable[[float], None] | None = None,
    known_duplicates: dict[str, list[int]] | None = None,
) -> ValidSurvey:
    """`report(fraction)` is told how far the checking has come (for a progress bar).
    `known_duplicates`: the household ids used twice in the whole file, when `survey` is a chunk.
    Each table's raw cells are let go of once parsed (nothing reads them again), so that a city's
    file does not hold its raw and its typed cells at once."""
    problems = ProblemLog()
    report = report or (lambda fraction: None)
    for table in (survey.households, survey.members):
        if table is not None:
            problems.extend(table.skipped)
            if table.sheets is not None:
                problems.keyed_rows(table.sheets)
    _name_columns_not_read(survey, problems)

    direct_specs = tuple(  # only the answer columns the sheet has: the engine reads no other
        ColumnSpec(id=f"d_{i}", header=Header(f"d_{i}", f"d_{i}"), kind="yesno", required=False, default=None)
        for i in direct_answer_ids if f"d_{i}" in survey.households.headers
    )
    household_columns = HOUSEHOLD_COLUMNS + direct_specs
    member_share = 0.0 if survey.members is None else 0.6  # members sheets are 3-4 rows per household
    households, household_bad = parse_rows(
        survey.households, household_columns, problems,
        report=lambda done: report((1 - member_share) * 0.9 * done),
    )
    _release_cells(survey.households)
    with ThreadPoolExecutor(1, thread_name_prefix="ngheo-members") as background:
        # the members' cells are checked while the households' rows are (neither reads the other's)
        members_checked = None if survey.members is None else background.submit(
            _check_members, survey.members,
            lambda done: report((1 - member_share) * 0.9 + member_share * 0.9 * done))
        _count_in_dong(households, survey.households, problems)
        _flag_implausible(households, household_bad, survey.households, problems)
        _fill_area(households, household_bad, survey.households, problems)
        _check_income(households, household_bad, survey.households, problems)
        first_row = first_positions(households["household_id"])  # of each row's id
        _reject_duplicates(households, household_bad, first_row, survey.households, problems, known_duplicates)

    members_read = 0
    if members_checked is not None:
        checked = members_checked.result()
        members, member_bad = checked.members, checked.bad
        members_read = len(members)
        if survey.members.household_rows is not None:  # (a persons list: the household each is listed under)
            find_households = partial(_listed_under, members[ROW].to_numpy(), households, survey.members.household_rows)
        else:  # -1: none
            find_households = partial(position_in, members["household_id"], households["household_id"], first_row)
        _, household_of = at_once(  # (side by side: the ages are written into columns the search does not read)
            lambda: _resolve_age(members, member_bad, survey.members, review_year, checked.problems), find_households)
        problems.add_log(checked.problems)  # (after the households' own, as when checked one after the other)
        _link_members(households, household_bad, members, member_bad, household_of, survey, problems)
        counted = ~member_bad.to_numpy()  # the members a household's size is checked against
    else:
        no_rows = pd.RangeIndex(0)
        members = pd.DataFrame({c.id: _default_column(c, no_rows) for c in MEMBER_COLUMNS})
        members[ROW] = pd.Series(dtype="int64")
        household_of, counted = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    _resolve_members_count(households, household_bad, household_of if counted.all() else household_of[counted],
                           survey.households, problems)

    # the members classified: valid, of a valid household. The others stay in place, marked -1
    # (copying a city's 3.5 million members without them took 0.4 s)
    rejected = household_bad.to_numpy()
    kept = counted & ~np.append(rejected, True)[household_of]  # (-1, no household: the True appended)
    members[HOUSEHOLD_POSITION] = household_of if kept.all() else np.where(kept, household_of, -1)
    present_direct = [i for i in direct_answer_ids if f"d_{i}" in survey.households.headers]
    report(1.0)
    return ValidSurvey(
        # every row, rejected ones too: the roster keeps them in place (no copy without them, and
        # none to put them back in row order)
        households=households,
        rejected=rejected,
        members=members,
        problems=problems,
        rows_read=len(households),
        members_read=members_read,
        direct_answers=present_direct,
        extra_columns=survey.households.extra_columns,
        headers=survey.households.headers,
    )


@dataclass
class _CheckedMembers:
    members: pd.DataFrame  # typed, ages not yet resolved
    bad: pd.Series  # which are rejected
    problems: ProblemLog  # found in their cells


def _check_members(table: Table, report: Callable[[float], None]) -> _CheckedMembers:
    """The members' cells parsed (nothing of the households read), in a log of their own."""
    problems = ProblemLog()
    members, member_bad = parse_rows(table, MEMBER_COLUMNS, problems, blank_is_no=True, report=report)
    _release_cells(table)
    return _CheckedMembers(members, member_bad, problems)


def _name_columns_not_read(survey: Survey, problems: ProblemLog) -> None:
    """A members column that is not a survey column is lost (`column_not_read`); a households one
    goes to the roster as the sheet's own, and is named only when it looks like a survey column
    the sheet lacks (`column_looks_like`: a misspelt income header would leave every household
    without an income). `expected`: the survey header it looks like, if any."""
    for table, columns, code in ((survey.households, HOUSEHOLD_COLUMNS, "column_looks_like"),
                                 (survey.members, MEMBER_COLUMNS, "column_not_read")):
        if table is None or not table.extra_columns:
            continue
        spellings, survey_header = spelling_table(columns, {}), {spec.id: spec.header.vi for spec in columns}
        for header in table.extra_columns:
            close = closest_column(header, spellings)
            looks_like = survey_header[close] if close is not None and close not in table.headers else ""
            if looks_like or code == "column_not_read":
                problems.add(Problem(table.sheet, table.header_row, header, None, code, looks_like))


def parse_rows(
    table: Table, columns: tuple[ColumnSpec, ...], problems: ProblemLog, blank_is_no: bool = False,
    report: Callable[[float], None] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Parse every column of a table by its spec; return the typed frame and a rejected-row mask.

    Columns the sheet does not have get their default. Extra columns are kept as text.
    Columns are parsed at once in threads (parallel.py); their problems are logged in column order.
    """
    raw = table.cells
    typed: dict[str, pd.Series] = {}  # made one frame at the end, without copies
    bad = pd.Series(False, index=raw.index)

    def rows(where: pd.Series) -> pd.Index:
        """The spreadsheet rows where a mask holds (the index is the row number)."""
        return raw.index[where.to_numpy(dtype=bool)]

    jobs = [partial(_check_column, spec, raw[spec.id], blank_is_no) for spec in columns if spec.id in raw]
    jobs += [partial(_extra_text, raw[extra]) for extra in table.extra_columns]
    checked = at_once(*jobs)  # results taken in the order of the jobs, each as soon as it is done
    for done, spec in enumerate(columns):
        if report:
            report(done / len(columns))
        header = table.headers.get(spec.id, spec.header.vi)
        if spec.id not in raw:
            typed[spec.id] = _default_column(spec, raw.index)
            if spec.required:
                problems.add(Problem(table.sheet, table.header_row, spec.header.vi, None, "required"))
                bad[:] = True
            continue
        column = next(checked)
        errors = column.errors
        if column.has_error.any():
            for code in errors[column.has_error].unique():
                mask = errors == code
                problems.add_many(table.sheet, rows(mask), header, raw[spec.id][mask], code, _expected(spec))
            bad |= column.has_error
        if column.bound_error is not None and column.bound_error.any():
            problems.add_many(table.sheet, rows(column.bound_error), header, raw[spec.id][column.bound_error],
                              "out_of_range", _expected(spec))
            bad |= column.bound_error
        if column.missing is not None and column.missing.any():
            problems.add_many(table.sheet, rows(column.missing), header, raw[spec.id][column.missing], "required")
            bad |= column.missing
        typed[spec.id] = column.values
    for extra in table.extra_columns:
        typed[extra] = next(checked)
    typed[ROW] = pd.Series(raw.index, index=raw.index)
    frame = pd.DataFrame(typed, index=raw.index, copy=False)
    return frame.reset_index(drop=True), bad.reset_index(drop=True)


def _release_cells(table: Table) -> None:
    """Parsed: the table keeps its header (what problems cite), not its raw cells."""
    table.cells = pd.DataFrame(columns=list(table.cells.columns))  # (an empty slice would keep the buffers)


@dataclass
class _CheckedColumn:
    values: pd.Series  # typed; missing where the cell is unusable
    errors: pd.Series  # error code of each row, None where it parsed
    has_error: pd.Series
    bound_error: pd.Series | None  # parsed, but outside the spec's bounds (None: the spec has none)
    missing: pd.Series | None  # required and blank (None when not required)


def _check_column(spec: ColumnSpec, raw: pd.Series, blank_is_no: bool) -> _CheckedColumn:
    """One column parsed and checked against its spec; no problem logged yet (this runs in a thread)."""
    values, errors = _parse(spec, raw)
    if spec.default is not None:
        values = values.fillna(spec.default)
    elif spec.kind == "yesno" and blank_is_no:
        # In the members sheet a person's row is filled as a checkbox form: a blank yes/no
        # cell is "no" (the contract lists blank among the spellings of no). In the
        # households sheet a blank raw field stays unknown, since checkbox-only households
        # leave raw fields blank. A column the sheet lacks stays unknown in both.
        values = values.fillna(False)
    has_error = errors.notna()
    bound_error = _out_of_bounds(spec, values)
    if bound_error is not None:
        bound_error &= ~has_error
    missing = values.isna() & ~has_error if spec.required else None
    unusable = has_error if bound_error is None else has_error | bound_error
    return _CheckedColumn(values.mask(unusable) if unusable.any() else values, errors, has_error, bound_error, missing)


def _extra_text(raw: pd.Series) -> pd.Series:
    """A column the contract does not know: kept as text, normalised like every text cell."""
    return parse.parse_text(raw)[0]


def _parse(spec: ColumnSpec, raw: pd.Series) -> parse.Parsed:
    if spec.kind == "number":
        return parse.parse_number(raw)
    if spec.kind == "int":
        return parse.parse_int(raw)
    if spec.kind == "year":
        return parse.parse_year(raw)
    if spec.kind == "age":
        return parse.parse_age(raw)
    if spec.kind == "yesno":
        return parse.parse_yes_no(raw)
    if spec.kind == "category":
        assert spec.categories is not None
        return parse.parse_category(raw, spec.categories)
    return parse.parse_text(raw)


_MASKED = {"number": (pd.arrays.FloatingArray, "float64"), "int": (pd.arrays.IntegerArray, "int64"),
           "year": (pd.arrays.IntegerArray, "int64"),
           "age": (pd.arrays.IntegerArray, "int64"), "yesno": (pd.arrays.BooleanArray, "bool")}


def _default_column(spec: ColumnSpec, index: pd.Index) -> pd.Series:
    """A column the sheet does not have: its default, else missing (built as arrays: a pandas
    Series from a scalar costs a tenth of a second per million rows)."""
    import pyarrow as pa

    missing = spec.default is None
    if spec.kind == "category":  # as parse_category gives it: one byte per row
        return categorical_from_codes([spec.default], np.zeros(len(index), dtype=np.int8),
                                      list(spec.categories.values), index)
    if spec.kind in _MASKED:
        array_type, dtype = _MASKED[spec.kind]
        data = np.zeros(len(index), dtype=dtype) if missing else np.full(len(index), spec.default, dtype=dtype)
        return pd.Series(array_type(data, np.full(len(index), missing)), index=index, copy=False)
    if missing:
        text = pa.nulls(len(index), pa.large_string())
    else:
        text = pa.array([str(spec.default)], type=pa.large_string()).take(np.zeros(len(index), dtype=np.int64))
    return pd.Series(pd.arrays.ArrowStringArray(text), index=index)


def _out_of_bounds(spec: ColumnSpec, values: pd.Series) -> pd.Series | None:
    """Where a parsed value is outside the spec's bounds; None for a spec without bounds (no
    mask of a million False made for a yes/no or category column)."""
    if spec.ge is None and spec.gt is None and spec.le is None:
        return None
    out = pd.Series(False, index=values.index)
    if spec.ge is not None:
        out |= (values < spec.ge).fillna(False).astype(bool)
    if spec.gt is not None:
        out |= (values <= spec.gt).fillna(False).astype(bool)
    if spec.le is not None:
        out |= (values > spec.le).fillna(False).astype(bool)
    return out


def _expected(spec: ColumnSpec) -> str:
    if spec.categories is not None:
        return ", ".join(spec.categories.values)
    parts = []
    if spec.ge is not None:
        parts.append(f">= {spec.ge:g}")
    if spec.gt is not None:
        parts.append(f"> {spec.gt:g}")
    if spec.le is not None:
        parts.append(f"<= {spec.le:g}")
    return ", ".join(parts)


def _header(table: Table, column_id: str) -> str:
    spec = next((c for c in HOUSEHOLD_COLUMNS + MEMBER_COLUMNS if c.id == column_id), None)
    return table.headers.get(column_id, spec.header.vi if spec else column_id)


# Values the contract allows but no real household has: kept, with a warning to check the cell
# (a typo such as an extra zero would otherwise change a class silently).
IMPLAUSIBLE_ABOVE = {
    "members_count": 30,
    "income_per_capita": 1_000_000_000,  # đồng per person per month
    "income_year": 100_000_000_000,  # đồng per household per year
    "floor_area_m2": 5_000,
}


def _flag_implausible(households: pd.DataFrame, bad: pd.Series, table: Table, problems: ProblemLog) -> None:
    for column, limit in IMPLAUSIBLE_ABOVE.items():
        high = (households[column] > limit).fillna(False).astype(bool) & ~bad
        problems.add_many(table.sheet, households.loc[high, ROW], _header(table, column),
                          households.loc[high, column], "implausible_value", f"> {limit:,}")


def _fill_area(households: pd.DataFrame, bad: pd.Series, table: Table, problems: ProblemLog) -> None:
    area = households["area"]  # a categorical (parse_category, _default_column)
    if area.hasnans:  # (a sheet without an area column: every household's from its ward's name)
        codes, wards = pd.factorize(households["ward"], use_na_sentinel=True)
        implied = categorical_from_codes([area_from_ward_name(ward) for ward in wards], codes,
                                         list(area.cat.categories), area.index)
        households["area"] = area.fillna(implied)
    unknown = households["area"].isna() & households["ward"].notna() & ~bad
    problems.add_many(
        table.sheet, households.loc[unknown, ROW], _header(table, "area"), households.loc[unknown, "ward"],
        "area_required",
    )
    bad |= unknown


def _count_in_dong(households: pd.DataFrame, table: Table, problems: ProblemLog) -> None:
    """Incomes headed "(1.000 đồng)" or "(triệu đồng)", as statistical forms count them, are
    turned into đồng (read as đồng, 1.500 thousand would be a poor household's 1,500 đồng)."""
    for column in ("income_per_capita", "income_year"):  # (of the income sources, the B1 score is no amount)
        multiplier = parse.money_multiplier(table.headers.get(column, ""))
        if multiplier != 1:
            households[column] = households[column] * multiplier
            problems.add(Problem(table.sheet, table.header_row, table.headers[column], None, "unit_from_header",
                                 f"{multiplier:,}".replace(",", ".")))


def _check_income(households: pd.DataFrame, bad: pd.Series, table: Table, problems: ProblemLog) -> None:
    none_given = households[list(INCOME_SOURCES)].isna().all(axis=1) & ~bad
    problems.add_many(
        table.sheet, households.loc[none_given, ROW], _header(table, "income_per_capita"),
        pd.Series([None] * int(none_given.sum())), "income_missing",
    )
    bad |= none_given


def duplicate_rows(ids: pd.Series, rows: pd.Series, first_row: np.ndarray | None = None) -> dict[str, list[int]]:
    """Household id -> every row it is on, for the ids used more than once. `first_row`: the
    position of the first row with each row's id (-1 for none), when known already."""
    first_row = first_positions(ids) if first_row is None else first_row
    later = first_row >= 0
    later[later] = first_row[later] != np.flatnonzero(later)  # rows whose id came before
    duplicated = later.copy()
    duplicated[first_row[later]] = True  # and the first row of each such id
    if not duplicated.any():
        return {}
    firsts, groups = groups_by_key(first_row[duplicated], rows.to_numpy()[duplicated].tolist())
    return dict(zip(ids.iloc[firsts].tolist(), groups))  # (in the order the ids first appear)


def _reject_duplicates(
    households: pd.DataFrame, bad: pd.Series, first_row: np.ndarray, table: Table, problems: ProblemLog,
    known: dict[str, list[int]] | None = None,
) -> None:
    """No household of an id used twice is classified: which one is right is the officer's call.
    `known`: the duplicates of the whole file, when this table is one chunk of it."""
    known = duplicate_rows(households["household_id"], households[ROW], first_row) if known is None else known
    if not known:
        return
    hit = is_in(households["household_id"], pd.Series(list(known), dtype="string"))
    ids, rows = households.loc[hit, "household_id"], households.loc[hit, ROW]
    others = [", ".join(table.rows_text([r for r in known[household_id] if r != row]))  # the id's other rows
              for household_id, row in zip(ids.tolist(), rows.tolist())]
    problems.add_many(table.sheet, rows, _header(table, "household_id"), ids, "duplicate_household", others)
    bad |= hit


def _resolve_age(members: pd.DataFrame, bad: pd.Series, table: Table, year: int, problems: ProblemLog) -> None:
    born_in = "birth_year" if "birth_year" in table.headers or "birth_date" not in table.headers else "birth_date"
    if "birth_date" in table.headers:  # a date of birth's year stands for a blank birth year
        members["birth_year"] = members["birth_year"].fillna(members["birth_date"])
    age = members["age"]
    if age.hasnans:  # (most sheets give every age: no column of differences to build)
        age = age.fillna(year - members["birth_year"])
    unknown = age.isna() & ~bad
    problems.add_many(table.sheet, members.loc[unknown, ROW], _header(table, "age"),
                      pd.Series([None] * int(unknown.sum())), "age_missing")
    negative = (age < 0).fillna(False).astype(bool) & ~bad & ~unknown
    problems.add_many(table.sheet, members.loc[negative, ROW], _header(table, born_in),
                      members.loc[negative, "birth_year"], "out_of_range", f"<= {year}")
    bad |= unknown | negative
    members["age"] = age.astype("Int64")
    birth_year = members["birth_year"]
    from_age = year - members["age"]
    members["birth_year"] = (from_age if birth_year.isna().all() else birth_year.fillna(from_age)).astype("Int64")


def _link_members(
    households: pd.DataFrame, household_bad: pd.Series, members: pd.DataFrame, member_bad: pd.Series,
    household_of: np.ndarray, survey: Survey, problems: ProblemLog,
) -> None:
    """Members must belong to a listed household; a household with a rejected member is rejected
    too, since classifying it on part of its members would be a silent guess. `household_of`:
    each member's household row (the first with its id; in a persons list, the one it is listed
    under), -1 for none."""
    assert survey.members is not None
    sheet, header = survey.members.sheet, _header(survey.members, "household_id")
    orphan = (household_of < 0) & members["household_id"].notna().to_numpy() & ~member_bad.to_numpy()
    if orphan.any():  # (numpy masks, and the rows picked only where some are: a city's members are 3.5 million)
        problems.add_many(sheet, members.loc[orphan, ROW], header, members.loc[orphan, "household_id"],
                          "member_without_household")
        member_bad |= orphan

    # a household is rejected with the rows of its rejected members, found by household row, not by
    # looking for each such household's members (that was rows x members: minutes for a city)
    bad_linked = member_bad.to_numpy() & (household_of >= 0)
    of_bad = household_of[bad_linked]
    hit = np.zeros(len(households), dtype=bool)
    hit[of_bad] = True
    hit &= ~household_bad.to_numpy()
    if hit.any():
        counted = hit[of_bad]  # the bad members of households not rejected already
        bad_rows = members[ROW].to_numpy()[bad_linked][counted]
        rows_by_household = joined_by_key(of_bad[counted], survey.members.rows_text(bad_rows.tolist()), ", ")
        if survey.members.sheets is None:  # one members sheet: named once after its rows (several name their own)
            rows_by_household += f" ('{sheet}')"
        problems.add_many(survey.households.sheet, households.loc[hit, ROW], _header(survey.households, "household_id"),
                          households.loc[hit, "household_id"], "member_rejected", rows_by_household.to_numpy())
    household_bad |= pd.Series(hit, index=household_bad.index)

    if household_bad.any():  # each member of a rejected household (household_of -1: the False appended)
        dropped = np.append(household_bad.to_numpy(), False)[household_of] & ~member_bad.to_numpy()
        problems.add_many(sheet, members.loc[dropped, ROW], header, members.loc[dropped, "household_id"],
                          "household_rejected")


def _listed_under(member_rows: np.ndarray, households: pd.DataFrame, household_rows: pd.Series) -> np.ndarray:
    """The position among `households` of the household row each member (by its row number) is
    listed under (-1: none, or a row that is no household's: a totals row's, say). Rows of one
    sheet, in order: searched for in C."""
    same_rows = len(household_rows) == len(member_rows) and (household_rows.index.to_numpy() == member_rows).all()
    wanted = (household_rows if same_rows else household_rows.reindex(member_rows).fillna(-1)).to_numpy(np.int64)
    rows = households[ROW].to_numpy()
    if not len(rows) or not (rows[1:] > rows[:-1]).all():
        return pd.Index(rows).get_indexer(wanted)
    at = np.minimum(np.searchsorted(rows, wanted), len(rows) - 1)
    return np.where(rows[at] == wanted, at, -1)


def _resolve_members_count(
    households: pd.DataFrame, bad: pd.Series, household_of: np.ndarray, table: Table, problems: ProblemLog,
) -> None:
    """`household_of`: the household row (the first with its id; in a persons list, the one it is
    listed under) of each valid member, -1 for none. Members count for that row only: a later
    row with the same id (rejected as a duplicate) lists none, as it does when a chunked run has
    it in another chunk than its id's first row; in a persons list each lists its own."""
    linked = household_of >= 0  # (all of them, mostly: then no copy of the linked ones)
    listed = np.bincount(household_of if linked.all() else household_of[linked], minlength=len(households))
    listed_count = pd.Series(pd.arrays.IntegerArray(listed.astype("int64"), listed == 0), index=households.index, copy=False)
    differs = (households["members_count"] != listed_count).fillna(False).astype(bool) & ~bad
    for row, typed, listed_here in zip(households.loc[differs, ROW], households.loc[differs, "members_count"],
                                       listed_count[differs]):
        problems.add(Problem(table.sheet, int(row), _header(table, "members_count"), typed,
                             "members_count_differs", f"{typed} ≠ {listed_here}"))
    households["members_count"] = households["members_count"].fillna(listed_count)
    unknown = households["members_count"].isna() & ~bad
    problems.add_many(table.sheet, households.loc[unknown, ROW], _header(table, "members_count"),
                      pd.Series([None] * int(unknown.sum())), "members_unknown")
    bad |= unknown
