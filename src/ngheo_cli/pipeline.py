"""One classification run, from grids of raw cells to roster, summary and problems. No IO:
the CLI reads the grids and writes the result.

read (grids) -> find the survey -> normalise + validate -> derive + classify -> summarise
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ngheo_cli import __version__
from ngheo_cli.engine import CARRIED_AS_READ, REJECTED, UNDETERMINED, classify
from ngheo_cli.frames import blanked, joined_by_key, replaced
from ngheo_cli.io.layout import Survey, find_survey
from ngheo_cli.io.legacy import looks_legacy
from ngheo_cli.io.workbook import Grid
from ngheo_cli.issues import Problem, ProblemLog, messages
from ngheo_cli.labels import DEPRIVATION_GROUP
from ngheo_cli.sheets import SheetSet
from ngheo_cli.standards.load import CompiledStandard
from ngheo_cli.summary import finish_summary, merged_wards, ward_counts
from ngheo_cli.validate import ROW, ValidSurvey, validate_survey
from ngheo_cli.ward_names import described


@dataclass
class Counts:
    households_read: int
    classified: int
    undetermined: int
    rejected: int
    members_read: int
    blank_read_as_no: int  # households with at least one blank answer cell read as "no"

    def balanced(self) -> bool:
        return self.households_read == self.classified + self.undetermined + self.rejected


@dataclass
class RunResult:
    roster: pd.DataFrame
    summary: pd.DataFrame
    problems: ProblemLog
    counts: Counts
    standard: CompiledStandard
    review_year: int
    review_year_source: str  # "option", "title row" or "today"
    metadata: dict[str, str]
    validity_warning: str = ""  # set when the review year is outside the standard's validity
    extra_columns: list[str] = field(default_factory=list)  # the survey's own columns, kept at the end
    ward_counts: tuple | None = None  # what the summary was made from (summary.ward_counts): chunks add them up


@dataclass
class Checked:
    """A survey found, normalised and validated: what `ngheo validate` reports on."""

    survey: Survey
    valid: ValidSurvey
    review_year: int
    review_year_source: str


def check_survey(
    grids: list[Grid],
    standard: CompiledStandard,
    source_name: str,
    members_grids: list[Grid] | None = None,
    year: int | None = None,
    today: dt.date | None = None,
    default_year: tuple[int, str] | None = None,
    report: Callable[[str, float], None] | None = None,
    known_duplicates: dict[str, list[int]] | None = None,
    release_grids: bool = False,
) -> Checked:
    """`default_year`: (year, where from) used when neither `year` nor a title row tells it,
    instead of this year. `release_grids`: empty the lists of grids once the survey is found in
    them (its tables hold the cells they need), so that the rest of the file goes back to memory."""
    survey = find_survey(grids, direct_answer_headers(standard), source_name, members_grids)
    if release_grids:
        grids.clear()
        if members_grids is not None:
            members_grids.clear()
    if year is not None:
        review_year, year_source = year, "option"
    elif survey.review_year is not None:
        review_year, year_source = survey.review_year, "title row"
    elif default_year is not None:
        review_year, year_source = default_year
    else:
        review_year, year_source = (today or dt.date.today()).year, "today"
    report = report or (lambda phase, fraction: None)
    report("layout", 0.05)
    valid = validate_survey(survey, standard.model.indicator_ids(), review_year,
                            report=lambda done: report("validate", 0.05 + 0.6 * done), known_duplicates=known_duplicates)
    if looks_legacy(_cells_in_order(valid.households, ("head_name", "ward", "hamlet"), ~valid.rejected)):
        valid.problems.add(Problem(survey.households.sheet, None, "", None, "legacy_font"))
    return Checked(survey, valid, review_year, year_source)


def _cells_in_order(frame: pd.DataFrame, columns: tuple[str, ...], rows: np.ndarray, block: int = 2_000):
    """The non-missing cells of these columns on these rows (a mask), column after column, read a
    block at a time (the legacy-font check looks at the first few thousand; a city's columns are
    never copied whole)."""
    for column in columns:
        values = frame[column]
        for start in range(0, len(values), block):
            yield from values.iloc[start:start + block][rows[start:start + block]].dropna()


def direct_answer_headers(standard: CompiledStandard) -> dict[str, tuple[str, str]]:
    """The headers of the "Thiếu hụt: …" answer columns of a standard's indicators."""
    return {f"d_{i.id}": (f"{DEPRIVATION_GROUP}: {i.name.vi}", f"Deprived: {i.name.en}") for i in standard.model.indicators}


def run_classification(
    grids: list[Grid],
    standard: CompiledStandard,
    source_name: str,
    members_grids: list[Grid] | None = None,
    year: int | None = None,
    strict: bool = False,
    lang: str = "vi",
    today: dt.date | None = None,
    default_year: tuple[int, str] | None = None,
    report: Callable[[str, float], None] | None = None,
    known_duplicates: dict[str, list[int]] | None = None,
    release_grids: bool = False,
) -> RunResult:
    """Classify a survey. `strict`: blank answer cells are missing, not "no", and a household
    with any warning is rejected instead of classified. `release_grids`: the lists of grids are
    emptied, and the raw cells let go of once checked, before the classifying needs memory (the
    CLI reads a file once; a caller that runs twice on the same grids keeps the default)."""
    model = standard.model
    report = report or (lambda phase, fraction: None)
    checked = check_survey(grids, standard, source_name, members_grids, year, today, default_year, report,
                           known_duplicates, release_grids)
    valid, review_year, year_source = checked.valid, checked.review_year, checked.review_year_source
    households_sheet = checked.survey.households.sheet
    members_sheet = checked.survey.members.sheet if checked.survey.members is not None else ""
    households_sheets = checked.survey.households.sheets  # a list kept on several sheets, else None
    del checked  # the raw cells: nothing after this point reads them
    report("classify", 0.65)
    roster = classify(valid.households, valid.members, standard, valid.direct_answers, strict=strict, lang=lang)
    report("summary", 0.9)
    roster["source_row"] = valid.households[ROW].to_numpy()
    for extra in valid.extra_columns:  # (the array as it is: through numpy, a text column became Python objects)
        roster[extra] = valid.households[extra].array
    classified = ~valid.rejected  # (the engine classified every row; rejected ones are blanked below)
    _report_classification_warnings(roster, classified, valid.problems, households_sheet, valid.headers,
                                    valid.direct_answers)
    if strict:
        roster = _reject_rows_with_warnings(roster, classified, valid.problems, households_sheet, lang)
    roster = _show_rejected_rows(roster, valid.rejected, valid.extra_columns, valid.problems, households_sheet, lang)
    if households_sheets is not None:
        _locate_rows(roster, households_sheets)

    by_ward = ward_counts(roster, model.indicator_ids())
    renamed = merged_wards(by_ward[0])
    summary = finish_summary(*by_ward, lang, renamed)
    classes = roster["classification"]
    counts = Counts(
        households_read=valid.rows_read,
        classified=int((~classes.isin([UNDETERMINED, REJECTED])).sum()),
        undetermined=int((classes == UNDETERMINED).sum()),
        rejected=int((classes == REJECTED).sum()),
        members_read=valid.members_read,
        blank_read_as_no=int((roster["indicators_blank_as_no"].fillna("") != "").sum()),
    )
    metadata = {
        "tool": f"ngheo-cli {__version__}",
        "input": source_name,
        "households_sheet": households_sheet,
        "members_sheet": members_sheet,
        "standard": model.id,
        "standard_name": getattr(model.name, lang),
        "standard_file": str(standard.path.name),
        "standard_provisional": "yes" if model.provisional else "no",
        "review_year": str(review_year),
        "review_year_from": year_source,
        "strict": "yes" if strict else "no",
        "households_read": str(counts.households_read),
        "classified": str(counts.classified),
        "undetermined": str(counts.undetermined),
        "rejected": str(counts.rejected),
        "wards_merged": described(renamed),
    }
    warning = validity_warning(standard, review_year)
    metadata["validity_warning"] = warning
    report("write", 0.95)
    return RunResult(roster, summary, valid.problems, counts, standard, review_year, year_source, metadata, warning,
                     list(valid.extra_columns), by_ward)


def validity_warning(standard: CompiledStandard, year: int) -> str:
    """A review year outside the years the standard applies to is worth a warning, not a stop:
    re-classifying an old list under a new standard is a legitimate analysis."""
    model = standard.model
    if not model.applies_to(year):
        first, last = model.valid_from.year, (model.valid_to.year if model.valid_to else None)
        span = f"{first}–{last}" if last else f"from {first}"
        return f"review year {year} is outside the years standard {model.id} applies to ({span})"
    return ""


def promote_household_warnings(problems: ProblemLog, sheet: str) -> pd.DataFrame:
    """--strict: every warning on a household row becomes an error. (An undetermined household
    is already not classified and keeps that more telling label.) Returns the promoted ones."""
    return problems.promote(problems.on_rows(sheet, "warning") & (problems.table()["code"] != "undetermined"))


def _reject_rows_with_warnings(
    roster: pd.DataFrame, classified: np.ndarray, problems: ProblemLog, sheet: str, lang: str
) -> pd.DataFrame:
    """--strict: a household with a warning is not classified; its warnings become errors.
    `classified`: the rows not rejected already."""
    promoted = promote_household_warnings(problems, sheet)
    flagged = _texts_by_row(promoted, promoted["column"] + ": " + messages(promoted, lang))
    hit = roster["source_row"].isin(flagged.index).to_numpy() & classified
    if hit.any():
        roster = roster.astype({"classification": "string", "reason": "string"})
        head = "Bị loại (--strict)" if lang == "vi" else "Rejected (--strict)"
        roster["classification"] = replaced(roster["classification"], hit, REJECTED)
        roster["reason"] = replaced(roster["reason"], hit, (f"{head}: " + roster.loc[hit, "source_row"].map(flagged)).to_numpy())
    return roster


def _texts_by_row(problems: pd.DataFrame, texts: pd.Series) -> pd.Series:
    """The texts of each spreadsheet row's problems, joined with "; " in the order found, by row."""
    return joined_by_key(problems["row"].to_numpy(dtype="int64"), texts.tolist(), "; ")


# what the roster shows of a rejected household: what could be read of it (last year's status
# and the group flags included: the year-end review counts a rejected household that was poor
# last year among the poor at the start of the year)
_SHOWN_WHEN_REJECTED = ("source_row", "household_id", "head_name", "ward", "hamlet", "area", "members_count",
                        *CARRIED_AS_READ)


def _show_rejected_rows(
    roster: pd.DataFrame, rejected: np.ndarray, extra_columns: list[str], problems: ProblemLog, sheet: str, lang: str
) -> pd.DataFrame:
    """Rejected households stay in the roster, in their place, with the errors as the reason and
    only what could be read of them (id, name, ward, hamlet, area, members, group flags, last
    year's status, the survey's own columns): an officer finds every row of the survey in it,
    classified or not. The engine classified them with the rest; what it made of them is blanked
    here."""
    if not rejected.any():
        return roster
    errors = problems.table()[problems.on_rows(sheet, "error")]
    value = errors["value"].map(lambda v: f" ('{v}')" if v else "")
    by_row = _texts_by_row(errors, errors["column"] + value + ": " + messages(errors, lang))
    head = "Bị loại" if lang == "vi" else "Rejected"
    reasons = (f"{head}: " + roster.loc[rejected, "source_row"].map(by_row).fillna("")).to_numpy(dtype=object)
    # a rejected row has no deprivation count: int -> Int64 (and bool -> boolean), as for any blank
    roster = roster.astype({c: {"int64": "Int64", "bool": "boolean"}.get(str(t), t) for c, t in roster.dtypes.items()})
    kept = {*_SHOWN_WHEN_REJECTED, *extra_columns, "classification", "reason"}
    for column in roster.columns:
        if column not in kept:
            roster[column] = blanked(roster[column], rejected)
    roster["classification"] = replaced(roster["classification"], rejected, REJECTED)
    roster["reason"] = replaced(roster["reason"], rejected, reasons)
    return roster


def _locate_rows(roster: pd.DataFrame, sheets: SheetSet) -> None:
    """A list kept on several sheets: each household's sheet beside its row number, where the
    roster had row keys (sheets.py)."""
    names, rows = sheets.split(roster["source_row"].to_numpy())
    roster["source_row"] = rows
    roster.insert(roster.columns.get_loc("source_row"), "source_sheet", pd.array(names, dtype="str"))


def _report_classification_warnings(
    roster: pd.DataFrame, classified: np.ndarray, problems: ProblemLog, sheet: str, headers: dict[str, str],
    direct_answers: list[str],
) -> None:
    """Missing indicators, undetermined households and all-blank answer rows become warnings, on
    the `classified` rows (a rejected one has its errors)."""
    id_header = headers.get("household_id", "Mã hộ")

    def report(rows: np.ndarray, code: str, details: pd.Series | str = "") -> None:
        """`details`: the detail of each of `rows` (already picked), or one for all."""
        problems.add_many(sheet, roster.loc[rows, "source_row"], id_header, roster.loc[rows, "household_id"], code,
                          details)

    undetermined = (roster["classification"] == UNDETERMINED).to_numpy() & classified
    missing = roster["indicators_missing"]
    undetermined_missing = missing[undetermined]
    report(undetermined, "undetermined",
           undetermined_missing.where(undetermined_missing != "", "B1 (chỉ có điểm B1 / B1 score only)"))
    some_missing = (missing != "").to_numpy() & ~undetermined & classified
    report(some_missing, "indicator_missing", missing[some_missing])
    if direct_answers:
        blank = roster["indicators_blank_as_no"]
        all_blank = ((blank.str.count(",") + 1 == len(direct_answers)) & (blank != "")).to_numpy() & classified
        report(all_blank, "blank_read_as_no")
