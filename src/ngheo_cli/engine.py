"""The classification engine: valid households and members plus a standard in, a roster out.

Pure and vectorised: no IO, no printing, one pass of column operations over the whole frame
whatever its size. Steps: income per person per month (and its source), the income lines for
each household's area, each indicator (direct answer, else derivation, else a blank answer
cell read as "no", else missing), the deprivation count, then the first class rule that holds.
A household for which an earlier rule cannot be decided (missing data) is `undetermined`,
never put in a class by a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ngheo_cli.frames import (
    map_distinct,
    position_in,
    row_kinds,
    text_from_codes,
    true_bits,
)
from ngheo_cli.schema import GROUP_FLAGS
from ngheo_cli.standards.expr import HOUSEHOLD_POSITION, Context, Range
from ngheo_cli.standards.load import CompiledStandard
from ngheo_cli.standards.model import CLASS_NAMES

UNDETERMINED = "undetermined"
REJECTED = "rejected"  # set by the pipeline for rows that failed validation


def classify(
    households: pd.DataFrame,
    members: pd.DataFrame,
    standard: CompiledStandard,
    direct_answers: list[str],
    strict: bool = False,
    lang: str = "vi",
) -> pd.DataFrame:
    """One roster row per household, in input order.

    `direct_answers` lists the indicators whose d_<id> column the survey has: there a blank
    cell is read as "not deprived" (checkbox forms), unless `strict`.
    """
    households = households.reset_index(drop=True)
    model = standard.model
    income, source = _income(households)
    lines = {name: _by_area(households["area"], line.rural, line.urban) for name, line in model.income_lines.items()}
    score_lines = {name: _by_area(households["area"], s.rural, s.urban) for name, s in model.score_lines.items()}
    income_range = _income_range(income, households["b1_score"], source, lines, score_lines)

    context = Context(
        households=households,
        members=_with_household_position(members, households),
        values={name: p.value for name, p in model.parameters.items()}
        | {name: frozenset(v.values) for name, v in model.value_sets.items()},
    )
    indicators, blank_as_no = {}, {}
    for indicator in model.indicators:
        value, blank = _indicator(indicator.id, households, standard, context, direct_answers, strict)
        indicators[indicator.id], blank_as_no[indicator.id] = value, blank

    deprived = pd.DataFrame(indicators)
    known_true = deprived.fillna(False).astype(bool).sum(axis=1).astype("float64")
    unknown = deprived.isna().sum(axis=1).astype("float64")
    context.values |= lines | indicators | {
        "income": income_range,
        "deprivation_count": Range(known_true, known_true + unknown),
    }
    classification, matched_rule = _apply_rules(standard, context)

    roster = pd.DataFrame(
        {
            "household_id": households["household_id"],
            "head_name": households["head_name"],
            "ward": households["ward"],
            "hamlet": households["hamlet"],
            "area": households["area"],
            "members_count": households["members_count"],
            "income_per_capita_month": income.round(0).astype("Int64"),
            "income_source": source,
            "b1_score": households["b1_score"],
        }
    )
    for indicator_id, value in indicators.items():
        roster[f"d_{indicator_id}"] = value.astype("Int8")
    roster["deprivation_count"] = known_true.astype("int64")
    roster["indicators_missing"] = _names_where(deprived.isna())
    roster["indicators_blank_as_no"] = _names_where(pd.DataFrame(blank_as_no))
    roster["classification"] = classification
    decided = _Decided(roster, classification, matched_rule, lines, deprived)
    roster["reason"] = _reasons_once_per_kind(decided, standard, lang)
    for column in (*GROUP_FLAGS, "previous_status", "split_from", "weight"):
        roster[column] = households[column]
    return roster


def _income(households: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per person per month: income_per_capita, else income_year / 12 / members; else none (B1)."""
    per_capita = households["income_per_capita"].astype("Float64")
    from_year = households["income_year"].astype("Float64") / 12 / households["members_count"].astype("Float64")
    income = per_capita.fillna(from_year)
    source = pd.Series(pd.NA, index=households.index, dtype="string")
    source = source.mask(households["b1_score"].notna(), "b1_score")
    source = source.mask(from_year.notna(), "income_year")
    source = source.mask(per_capita.notna(), "income_per_capita")
    return income, source


def _by_area(area: pd.Series, rural: float, urban: float) -> pd.Series:
    return pd.Series(np.where(area.to_numpy(dtype=object) == "urban", urban, rural), index=area.index, dtype="float64")


def _income_range(
    income: pd.Series, b1: pd.Series, source: pd.Series, lines: dict[str, pd.Series], score_lines: dict[str, pd.Series]
) -> Range:
    """Exact where the income is known; for a B1-only household, the bracket its score puts it in
    between the income lines that have score lines ("B1 <= 175" means "income <= 2,000,000")."""
    exact = income.astype("float64").to_numpy(na_value=np.nan)
    lo = np.where(np.isnan(exact), 0.0, exact)
    hi = np.where(np.isnan(exact), np.inf, exact)
    by_score = (source == "b1_score").to_numpy(dtype=bool)
    score = b1.astype("float64").to_numpy(na_value=np.nan)
    for name, score_line in score_lines.items():
        line = lines[name].to_numpy()
        at_or_under = by_score & (score <= score_line.to_numpy())
        over = by_score & (score > score_line.to_numpy())
        hi = np.where(at_or_under, np.minimum(hi, line), hi)
        lo = np.where(over, np.maximum(lo, np.nextafter(line, np.inf)), lo)
    return Range(pd.Series(lo, index=income.index), pd.Series(hi, index=income.index))


def _with_household_position(members: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Members with the row of their household; validate_survey has found it already."""
    if HOUSEHOLD_POSITION in members:
        return members
    position = position_in(members["household_id"], households["household_id"])
    members = members[position >= 0].copy()
    members[HOUSEHOLD_POSITION] = position[position >= 0]
    return members.reset_index(drop=True)


def _indicator(
    indicator_id: str,
    households: pd.DataFrame,
    standard: CompiledStandard,
    context: Context,
    direct_answers: list[str],
    strict: bool,
) -> tuple[pd.Series, pd.Series]:
    """Deprived (True/False/NA) and where a blank answer cell was read as "no"."""
    has_column = indicator_id in direct_answers
    missing = pd.Series(pd.NA, index=households.index, dtype="boolean")
    value = households[f"d_{indicator_id}"].astype("boolean") if has_column else missing
    derivation = standard.derivations.get(indicator_id)
    if derivation is not None:
        value = value.fillna(derivation.evaluate_bool(context))
    blank = value.isna() & has_column & (not strict)
    return value.mask(blank, False), blank


def _apply_rules(standard: CompiledStandard, context: Context) -> tuple[pd.Series, np.ndarray]:
    """The first rule that holds gives the class; a rule that cannot be decided before it stops
    the household as undetermined. Returns the class and the index of the rule that gave it
    (-1 for undetermined): two rules may give the same class for different reasons."""
    n = len(context.households)
    classification = np.full(n, UNDETERMINED, dtype=object)
    matched = np.full(n, -1)
    open_rows = np.ones(n, dtype=bool)
    for index, (rule, expression) in enumerate(zip(standard.model.classes, standard.rules)):
        result = expression.evaluate_bool(context)
        holds = result.fillna(False).to_numpy(dtype=bool) & open_rows
        unknown = result.isna().to_numpy(dtype=bool) & open_rows
        classification[holds] = rule.class_
        matched[holds] = index
        open_rows &= ~(holds | unknown)
    return pd.Series(classification, dtype="string"), matched


def _names_where(flags: pd.DataFrame) -> pd.Series:
    """Comma-separated column names where the flag is true, per row.

    Rows share few patterns, so each row's flags become one integer and each distinct
    pattern is spelled out once."""
    names = list(flags.columns)
    bits = true_bits(flags)
    return map_distinct(pd.Series(bits, index=flags.index),
                        lambda b: ", ".join(n for i, n in enumerate(names) if b >> i & 1), "string")


def _vnd(values: pd.Series) -> pd.Series:
    """2000000 -> "2.000.000 đ" (formatted once per distinct amount)."""
    whole = values.astype("Float64").round(0).astype("Int64")
    return map_distinct(whole, lambda n: f"{n:,}".replace(",", ".") + " đ", "string")


MOSTLY_DISTINCT = 0.5  # share of distinct reasons above which each is written row by row


@dataclass
class _Decided:
    """What a household's reason is written from, one row per household."""

    roster: pd.DataFrame
    classification: pd.Series
    matched_rule: np.ndarray  # index of the rule that gave the class, -1 for undetermined
    lines: dict[str, pd.Series]  # income lines by the household's area
    deprived: pd.DataFrame  # indicator -> deprived (nullable)

    def rows(self, positions: np.ndarray) -> _Decided:
        pick = lambda frame: frame.iloc[positions].reset_index(drop=True)  # noqa: E731
        return _Decided(pick(self.roster), pick(self.classification), self.matched_rule[positions],
                        {name: pick(line) for name, line in self.lines.items()}, pick(self.deprived))


def _reasons_once_per_kind(decided: _Decided, standard: CompiledStandard, lang: str) -> pd.Series:
    """The reasons, written once for each distinct combination of what a reason says (rule,
    income, deprivations, lines, missing data) and spread to the households that share it:
    a city has millions of households but far fewer distinct reasons."""
    roster, deprived = decided.roster, decided.deprived
    kinds = row_kinds([
        decided.matched_rule, decided.classification, true_bits(deprived), true_bits(deprived.isna()),
        *(roster[c] for c in ("income_per_capita_month", "income_source", "b1_score", "deprivation_count",
                              "indicators_missing")),
        *decided.lines.values(),
    ])
    _, first = np.unique(kinds, return_index=True)
    if len(first) > MOSTLY_DISTINCT * len(roster):  # writing them all directly is as cheap
        return _reasons(decided, standard, lang)
    written = _reasons(decided.rows(first), standard, lang)
    return text_from_codes(written.astype(object).where(written.notna(), None).tolist(), kinds, roster.index)


def _reasons(decided: _Decided, standard: CompiledStandard, lang: str) -> pd.Series:
    """Fill each rule's reason template ({income}, {deprivation_count}, {deprived}, line names)."""
    roster, classification, matched_rule = decided.roster, decided.classification, decided.matched_rule
    lines, deprived = decided.lines, decided.deprived
    names = {i.id: getattr(i.name, lang).lower() for i in standard.model.indicators}
    b1 = roster["income_source"] == "b1_score"
    score_text = ("điểm B1 " if lang == "vi" else "B1 score ") + roster["b1_score"].astype("string")
    fields = {
        "income": _vnd(roster["income_per_capita_month"]).where(~b1.fillna(False), score_text),
        "deprivation_count": roster["deprivation_count"].astype("string"),
        "deprived": _names_where(deprived.rename(columns=names)).replace("", "-"),
    } | {name: _vnd(line) for name, line in lines.items()}
    reasons = pd.Series("", index=roster.index, dtype="string")
    for index, rule in enumerate(standard.model.classes):
        rows = matched_rule == index
        if not rows.any():
            continue
        template = getattr(rule.reason, lang)
        reasons[rows] = _fill(template, fields, rows).to_numpy()  # only the rows this rule decided
    undetermined = classification == "undetermined"
    if undetermined.any():
        reasons = reasons.mask(undetermined, _undetermined_reason(roster, lang))
    head = map_distinct(classification, lambda c: CLASS_NAMES.get(c, {}).get(lang, c), "string")
    return (head + ": " + reasons).where(~undetermined, reasons)


def _fill(template: str, fields: dict[str, pd.Series], rows: np.ndarray) -> pd.Series:
    import string

    out = pd.Series("", index=np.flatnonzero(rows), dtype="string")
    for literal, name, _, _ in string.Formatter().parse(template):
        out = out + literal
        if name:
            out = out + fields[name][rows].fillna("?").to_numpy()
    return out


def _undetermined_reason(roster: pd.DataFrame, lang: str) -> pd.Series:
    missing = roster["indicators_missing"]
    b1_only = roster["income_source"] == "b1_score"
    if lang == "vi":
        data = "Chưa xác định được: thiếu dữ liệu chỉ số " + missing
        income = "Chưa xác định được: chỉ có điểm B1 mà chuẩn này không có ngưỡng điểm cho mức thu nhập cần so"
    else:
        data = "Undetermined: no data for indicator(s) " + missing
        income = "Undetermined: only a B1 score, and this standard has no score line for the income comparison"
    return data.where(missing != "", income).where(~(b1_only & (missing == "")), income)
