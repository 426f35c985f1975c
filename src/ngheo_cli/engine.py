"""The classification engine: valid households and members plus a standard in, a roster out.

Pure and vectorised: no IO, no printing, one pass of column operations over the whole frame
whatever its size. Steps: income per person per month (and its source), the income lines for
each household's area, each indicator (direct answer, else derivation, else a blank answer
cell read as "no", else missing), the deprivation count, then the first class rule that holds.
A household for which an earlier rule cannot be decided (missing data) is `undetermined`,
never put in a class by a guess.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from ngheo_cli.frames import (
    Spelled,
    arrow_text,
    bit_count,
    category_as_text,
    combinations,
    flag_bits,
    position_in,
    text_from_codes,
)
from ngheo_cli.parallel import at_once, thread_map
from ngheo_cli.schema import GROUP_FLAGS
from ngheo_cli.standards.expr import HOUSEHOLD_POSITION, Context, Range
from ngheo_cli.standards.load import CompiledStandard
from ngheo_cli.standards.model import CLASS_NAMES

UNDETERMINED = "undetermined"
REJECTED = "rejected"  # set by the pipeline for rows that failed validation
# survey columns the roster carries as they were read (no engine work in them)
CARRIED_AS_READ = (*GROUP_FLAGS, "previous_status", "split_from", "weight")


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
    urban = (households["area"] == "urban").fillna(False).to_numpy(dtype=bool)
    lines = {name: _by_area(urban, line.rural, line.urban, households.index) for name, line in model.income_lines.items()}
    score_lines = {name: _by_area(urban, s.rural, s.urban, households.index) for name, s in model.score_lines.items()}

    context = Context(
        households=households,
        members=_with_household_position(members, households),
        values={name: p.value for name, p in model.parameters.items()}
        | {name: frozenset(v.values) for name, v in model.value_sets.items()},
    )
    indicators, blank_as_no = {}, {}
    # the income and each indicator read the context only: at once, in threads
    (income, source, income_range), *derived = at_once(
        lambda: _income_and_range(households, lines, score_lines),
        *[partial(_indicator, i.id, households, standard, context, direct_answers, strict) for i in model.indicators])
    for indicator, (value, blank) in zip(model.indicators, derived):
        indicators[indicator.id], blank_as_no[indicator.id] = value, blank

    # bit i: indicator i (each row's as one integer); counted side by side
    (deprived, missing), (blank_read_as_no, _) = at_once(lambda: flag_bits(list(indicators.values())),
                                                         lambda: flag_bits(list(blank_as_no.values())))
    true_count, unknown = at_once(lambda: bit_count(deprived), lambda: bit_count(missing))
    known_true = pd.Series(true_count, index=households.index, dtype="float64", copy=False)
    context.values |= lines | indicators | {
        "income": income_range,
        "deprivation_count": Range(known_true, known_true + unknown),
    }
    (classification, matched_rule), columns = at_once(  # (the class rules, and the columns they do not decide)
        lambda: _apply_rules(standard, context),
        lambda: _roster_columns(households, income, source, indicators, known_true, missing, blank_read_as_no))
    roster = pd.DataFrame(columns, copy=False)
    roster.insert(roster.columns.get_loc("indicators_blank_as_no") + 1, "classification", classification)
    roster.insert(roster.columns.get_loc("classification") + 1, "reason",
                  _reasons(roster, matched_rule, lines, deprived, standard, lang))
    return roster


def _roster_columns(
    households: pd.DataFrame, income: pd.Series, source: pd.Series, indicators: dict[str, pd.Series],
    known_true: pd.Series, missing: np.ndarray, blank_read_as_no: np.ndarray,
) -> dict[str, pd.Series]:
    """The roster's columns in their order, all but its class and reason (which go after
    indicators_blank_as_no): what the class rules do not decide, made while they are applied."""
    columns = {
        "household_id": households["household_id"],
        "head_name": households["head_name"],
        "ward": households["ward"],
        "hamlet": households["hamlet"],
        "area": category_as_text(households["area"]),
        "members_count": households["members_count"],
        "income_per_capita_month": income.round(0).astype("Int64"),
        "income_source": source,
        "b1_score": households["b1_score"],
    }
    for indicator_id, value in indicators.items():
        columns[f"d_{indicator_id}"] = value.astype("Int8")
    columns["deprivation_count"] = known_true.astype("int64")
    columns["indicators_missing"] = _names_where(missing, list(indicators)).column(households.index)
    columns["indicators_blank_as_no"] = _names_where(blank_read_as_no, list(indicators)).column(households.index)
    for column in CARRIED_AS_READ:
        columns[column] = category_as_text(households[column])
    return columns


def _income(households: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per person per month: income_per_capita, else income_year / 12 / members; else none (B1)."""
    per_capita = households["income_per_capita"].astype("Float64")
    from_year = households["income_year"].astype("Float64") / 12 / households["members_count"].astype("Float64")
    income = per_capita.fillna(from_year)
    sources = ["income_per_capita", "income_year", "b1_score"]  # the first one given counts
    given = [per_capita.notna().to_numpy(), from_year.notna().to_numpy(), households["b1_score"].notna().to_numpy()]
    source = text_from_codes(sources, np.select(given, [0, 1, 2], default=-1), households.index)
    return income, source


def _income_and_range(
    households: pd.DataFrame, lines: dict[str, pd.Series], score_lines: dict[str, pd.Series]
) -> tuple[pd.Series, pd.Series, Range]:
    """The income per person per month, where it came from, and the range the rules compare."""
    income, source = _income(households)
    return income, source, _income_range(income, households["b1_score"], source, lines, score_lines)


def _by_area(urban: np.ndarray, rural_line: float, urban_line: float, index: pd.Index) -> pd.Series:
    return pd.Series(np.where(urban, urban_line, rural_line), index=index, dtype="float64", copy=False)


def _income_range(
    income: pd.Series, b1: pd.Series, source: pd.Series, lines: dict[str, pd.Series], score_lines: dict[str, pd.Series]
) -> Range:
    """Exact where the income is known; for a B1-only household, the bracket its score puts it in
    between the income lines that have score lines ("B1 <= 175" means "income <= 2,000,000")."""
    exact = income.astype("float64").to_numpy(na_value=np.nan)
    lo = np.where(np.isnan(exact), 0.0, exact)
    hi = np.where(np.isnan(exact), np.inf, exact)
    by_score = (source == "b1_score").fillna(False).to_numpy(dtype=bool)  # (no source: a rejected row)
    score = b1.astype("float64").to_numpy(na_value=np.nan)
    for name, score_line in score_lines.items():
        line = lines[name].to_numpy()
        at_or_under = by_score & (score <= score_line.to_numpy())
        over = by_score & (score > score_line.to_numpy())
        hi = np.where(at_or_under, np.minimum(hi, line), hi)
        lo = np.where(over, np.maximum(lo, np.nextafter(line, np.inf)), lo)
    return Range(pd.Series(lo, index=income.index, copy=False), pd.Series(hi, index=income.index, copy=False))


def _with_household_position(members: pd.DataFrame, households: pd.DataFrame) -> pd.DataFrame:
    """Members with the row of their household (-1: none); validate_survey has found it already."""
    if HOUSEHOLD_POSITION in members:
        return members
    return members.reset_index(drop=True).assign(
        **{HOUSEHOLD_POSITION: position_in(members["household_id"], households["household_id"])})


def _indicator(
    indicator_id: str,
    households: pd.DataFrame,
    standard: CompiledStandard,
    context: Context,
    direct_answers: list[str],
    strict: bool,
) -> tuple[pd.Series, pd.Series]:
    """Deprived (True/False/NA) and where a blank answer cell was read as "no"."""
    derivation = standard.derivations.get(indicator_id)
    if indicator_id not in direct_answers:  # (most surveys: derived, or unknown; no answer cell read as "no")
        none_blank = pd.Series(np.zeros(len(households), dtype=bool), index=households.index, copy=False)
        if derivation is None:
            unknown = pd.arrays.BooleanArray(np.zeros(len(households), dtype=bool), np.ones(len(households), dtype=bool))
            return pd.Series(unknown, index=households.index, copy=False), none_blank
        return derivation.evaluate_bool(context).astype("boolean"), none_blank  # (no copy: copy-on-write)
    value = households[f"d_{indicator_id}"].astype("boolean")
    if derivation is not None:
        value = value.fillna(derivation.evaluate_bool(context))
    blank = value.isna() & (not strict)
    return value.mask(blank, False), blank


def _apply_rules(standard: CompiledStandard, context: Context) -> tuple[pd.Series, np.ndarray]:
    """The first rule that holds gives the class; a rule that cannot be decided before it stops
    the household as undetermined. Returns the class and the index of the rule that gave it
    (-1 for undetermined): two rules may give the same class for different reasons."""
    n = len(context.households)
    matched = np.full(n, -1)
    open_rows = np.ones(n, dtype=bool)
    for index, expression in enumerate(standard.rules):
        result = expression.evaluate_bool(context)
        holds = result.fillna(False).to_numpy(dtype=bool) & open_rows
        unknown = result.isna().to_numpy(dtype=bool) & open_rows
        matched[holds] = index
        open_rows &= ~(holds | unknown)
    classes = [rule.class_ for rule in standard.model.classes]
    classification = text_from_codes([*classes, UNDETERMINED], np.where(matched < 0, len(classes), matched),
                                     context.households.index)
    return classification, matched


def _names_where(bits: np.ndarray, names: list[str], empty: str = "") -> Spelled:
    """Comma-separated names where a row's bit is set (bit i: names[i]; flag_bits), per row
    (`empty` where none is). Rows share few patterns: each distinct one is spelled out once."""
    return Spelled.of(bits, lambda b: ", ".join(n for i, n in enumerate(names) if b >> i & 1) or empty)


def _vnd(values: pd.Series) -> Spelled:
    """2000000 -> "2.000.000 đ" (formatted once per distinct amount)."""
    whole = values.astype("Float64").round(0).astype("Int64")
    return Spelled.of(whole, lambda n: f"{n:,}".replace(",", ".") + " đ")


def _as_text(values: pd.Series, prefix: str = "") -> Spelled:
    """prefix + values.astype("string"), converted once per distinct value."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    texts = pd.Series(distinct).astype("string")
    return Spelled.from_codes([None if pd.isna(t) else prefix + t for t in texts], codes)


def _reasons(
    roster: pd.DataFrame, matched_rule: np.ndarray, lines: dict[str, pd.Series], deprived: np.ndarray,
    standard: CompiledStandard, lang: str,
) -> pd.Series:
    """Each household's reason: its class, then its rule's template ({income}, {deprivation_count},
    {deprived}, line names) filled. Each field is spelled once per distinct value, and each rule's
    template is joined in Arrow once per distinct combination of its fields; one take then spreads
    the reasons to the rows (a city has millions of households: no Python string per row)."""
    import string

    import pyarrow as pa
    import pyarrow.compute as pc

    names = [getattr(i.name, lang).lower() for i in standard.model.indicators]  # (deprived's bits: in this order)
    b1 = (roster["income_source"] == "b1_score").fillna(False).to_numpy(dtype=bool)
    score, amount, count, deprived_names, *line_amounts = at_once(  # (each spelled apart: side by side)
        lambda: _as_text(roster["b1_score"], "điểm B1 " if lang == "vi" else "B1 score "),
        lambda: _vnd(roster["income_per_capita_month"]),
        lambda: _as_text(roster["deprivation_count"]),
        lambda: _names_where(deprived, names, empty="-"),
        *[partial(_vnd, line) for line in lines.values()])
    fields = {"income": score.where(b1, amount), "deprivation_count": count, "deprived": deprived_names} | dict(
        zip(lines, line_amounts))
    text = pa.large_string()
    reason_of = np.empty(len(roster), dtype=np.int64)  # each row's position among all distinct reasons

    def spelled_out(rule_and_rows) -> tuple[np.ndarray, np.ndarray, object]:
        """Of rows a rule decided, each one's combination of field values, and the reason of
        each distinct combination joined from the rule's template (households share incomes,
        counts and indicator patterns: far fewer reasons than rows are spelled)."""
        rule, rows = rule_and_rows
        template = list(string.Formatter().parse(getattr(rule.reason, lang)))
        used = [fields[name] for _, name, _, _ in template if name]
        combination, first = combinations([f.codes[rows] for f in used], [len(f.texts) for f in used], len(rows))
        examples = rows[first]  # one row of each combination
        parts: list = [CLASS_NAMES.get(rule.class_, {}).get(lang, rule.class_) + ": "]
        for literal, name, _, _ in template:
            parts += [literal, fields[name].rows(examples)] if name else [literal]
        parts = [pa.scalar(p, text) if isinstance(p, str) else p for p in parts]
        joined = pc.binary_join_element_wise(*parts, pa.scalar("", text), null_handling="replace",
                                             null_replacement="?")
        if isinstance(joined, pa.Scalar):  # a template without fields: the same text for every row
            joined = pa.array([joined.as_py()] * len(examples), type=text)
        return rows, combination, joined

    distinct_reasons = []
    offset = 0
    # each rule's rows in blocks, side by side (most households are decided by one rule: as one
    # piece, it would be one thread's work while the others wait)
    blocks = [(rule, rows[start:start + _REASON_BLOCK_ROWS])
              for index, rule in enumerate(standard.model.classes)
              for rows in [np.flatnonzero(matched_rule == index)]
              for start in range(0, max(len(rows), 1), _REASON_BLOCK_ROWS)]
    for rows, combination, joined in thread_map(spelled_out, blocks):
        reason_of[rows] = combination + offset
        distinct_reasons.append(joined)
        offset += len(joined)
    undetermined = np.flatnonzero(matched_rule < 0)
    if len(undetermined):
        distinct_reasons.append(arrow_text(_undetermined_reason(roster.iloc[undetermined], lang)).cast(text))
        reason_of[undetermined] = offset + np.arange(len(undetermined))
    reasons = pa.concat_arrays(distinct_reasons).take(pa.array(reason_of))  # the one full-length copy
    return pd.Series(pd.arrays.ArrowStringArray(reasons), index=roster.index)


_REASON_BLOCK_ROWS = 200_000


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
