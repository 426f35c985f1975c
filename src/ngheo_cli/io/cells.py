"""Vectorised parsing of cell values as officers type them.

Each parser takes a column of raw cells (numbers, text, booleans, dates, blanks) and returns
the parsed column plus a column of error codes (NA where the cell parsed). Blank cells parse to
NA without error: whether a blank is allowed is the validator's call.

Numbers follow the Vietnamese convention of the contract: "." groups thousands and "," marks
decimals ("2.000.000", "8,5"). English grouping with two or more commas ("2,000,000") and a
plain decimal point ("8.5") are read too. A single comma followed by exactly three digits
("1,500") could be either and is refused as ambiguous. Currency and units ("đ", "đồng", "VND",
"m2", "người", "nhân khẩu", "tuổi") are dropped; "triệu"/"tr" multiplies by a million and "nghìn"/"ngàn" by a thousand, so
"2,5 triệu" is 2,500,000.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ngheo_cli import nfc_quick_check
from ngheo_cli.frames import (
    arrow_text,
    byte_range,
    categorical_from_codes,
    dictionary_codes,
    is_blank,
    is_bool,
    is_number,
    one_array,
    plain_ascii,
    runs,
    text_from_codes,
)
from ngheo_cli.schema import Categories, year_of_date, years_of_age
from ngheo_cli.text import BRACKETED_END, fold, nfc

Parsed = tuple[pd.Series, pd.Series]

_UNIT = re.compile(r"(?i)\s*(vnđ|vnd|đồng|đ|m2|m²|người|nhân khẩu|khẩu|tuổi)\.?$")
_MULTIPLIER = re.compile(r"(?i)\s*(triệu|tr|nghìn|ngàn|ngan|nghin)\.?$")
_MULTIPLIERS = {"triệu": 1e6, "tr": 1e6, "nghìn": 1e3, "ngàn": 1e3, "ngan": 1e3, "nghin": 1e3}
_DOT_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_COMMA_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3}){2,}(\.\d+)?|-?\d{1,3},\d{3}\.\d+")
_SPACE_THOUSANDS = re.compile(r"-?\d{1,3}( \d{3})+(,\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_AMBIGUOUS = re.compile(r"-?\d{1,3},\d{3}")


def money_multiplier(header: str) -> int:
    """What a money column's amounts count in, by the unit in brackets at its header's end:
    "(1.000 đồng)", "(nghìn đồng)" a thousand đồng, "(triệu đồng)" a million, else đồng."""
    match = BRACKETED_END.search(nfc(header))
    unit = fold(match[1]) if match else ""
    if unit.startswith(("1000000", "trieu", "trd")) or unit == "tr":  # ("tr.đ"; not "(trẻ em)")
        return 1_000_000
    if unit.startswith(("1000", "nghin", "ngan")):
        return 1_000
    return 1


YES = frozenset(fold(s) for s in ("x", "có", "1", "yes", "y", "true", "đúng", "c", "v", "đã có"))
NO = frozenset(fold(s) for s in ("không", "0", "no", "n", "false", "sai", "k", "ko", "không có", "chưa có", "chưa"))
CHECK_MARKS = frozenset("✓✔☑")  # a ticked box: folded away with the punctuation, so matched before


@dataclass
class _Distinct:
    """A column parsed once per distinct cell: `codes` (one per row, -1 for a missing cell) index
    `values` and `errors` (one per distinct cell; None and None for a blank one)."""

    codes: np.ndarray
    values: list
    errors: list
    index: pd.Index

    def errors_column(self) -> pd.Series:
        """The error code of each row (missing where it parsed), as a categorical of the few codes."""
        codes = list(dict.fromkeys(e for e in self.errors if e is not None))
        return categorical_from_codes(self.errors, self.codes, codes, self.index)

    def text_column(self) -> pd.Series:
        """Values (str or None per distinct) as a "string" column."""
        return text_from_codes(self.values, self.codes, self.index)

    def categorical(self, allowed: list[str]) -> pd.Series:
        """Values (one of `allowed` or None per distinct) as a pandas categorical of all the
        allowed values: one byte per row, not a text, and `in` tests look at the few values only."""
        return categorical_from_codes(self.values, self.codes, allowed, self.index)

    def masked(self, dtype: str, fill: object) -> tuple[np.ndarray, np.ndarray]:
        """(data, mask) for a masked numeric or boolean column."""
        data = np.array([fill if v is None else v for v in self.values] + [fill], dtype=dtype)
        missing = np.array([v is None for v in self.values] + [True], dtype=bool)
        return data[self.codes], missing[self.codes]


def _per_value(raw: pd.Series, parse_uniques) -> _Distinct:
    """Parse each distinct cell value once and spread the results back over the column.

    A survey column holds few distinct values ("x", "có", a ward name) or many repeats, so this
    turns millions of Python calls into thousands. `parse_uniques(values)` gets a list of
    distinct non-blank cells and returns (values, error codes) lists. pandas' factorize treats
    True, 1 and 1.0 as one value; cells of such a group are parsed one by one instead.
    """
    if isinstance(raw.array, pd.arrays.ArrowStringArray):  # CSV and Parquet: distinct values and blanks in C
        codes, uniques, blank = _dictionary_codes(raw.array)
        ambiguous = []
    else:
        cells = raw.to_numpy(dtype=object)
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
        uniques = list(uniques)
        if all(type(u) is str for u in uniques):  # most text columns of a workbook: the fast path
            blank, ambiguous = [not u.strip() for u in uniques], []
        else:
            blank = [is_blank(u) for u in uniques]
            ambiguous = [i for i, u in enumerate(uniques) if is_bool(u) or (is_number(u) and u in (0, 1))]
    parsed, errors = parse_uniques([u for u, b in zip(uniques, blank) if not b]) if not all(blank) else ([], [])
    codes = np.asarray(codes)
    if any(blank):  # a blank distinct cell is missing, without error: the codes stay as they are (a city's
        # column recoded cost a pass over it and its size in fresh memory)
        parsed_in_order, errors_in_order = iter(parsed), iter(errors)
        parsed = [None if b else next(parsed_in_order) for b in blank]
        errors = [None if b else next(errors_in_order) for b in blank]
    if ambiguous:
        parsed, errors = list(parsed), list(errors)
        ambiguous_codes = set(ambiguous)
        original, _ = pd.factorize(cells, use_na_sentinel=True)
        for row in np.flatnonzero(np.isin(original, list(ambiguous_codes))):
            (value,), (error,) = parse_uniques([cells[row]])
            parsed.append(value)
            errors.append(error)
            codes[row] = len(parsed) - 1
    return _Distinct(codes, list(parsed), list(errors), raw.index)


def _dictionary_codes(array: pd.arrays.ArrowStringArray) -> tuple[np.ndarray, list, list]:
    """Codes (-1 for missing), distinct values and which of them are blank, of Arrow text, in C."""
    codes, dictionary = dictionary_codes(array)
    return codes, dictionary.to_pylist(), _blank(dictionary)


def _blank(texts) -> list[bool]:
    """Which of some Arrow texts are empty or only whitespace."""
    import pyarrow.compute as pc

    return pc.equal(pc.utf8_trim_whitespace(texts), "").to_numpy(zero_copy_only=False).tolist()


_FEW_VALUES = 3  # a yes/no column's usual cells: "x" and blank, or "có", "không" and blank


def _few_values(raw: pd.Series) -> tuple[list, list, list[np.ndarray]] | None:
    """For an Arrow text column (no missing cell) of at most _FEW_VALUES distinct cells: those
    cells, which are blank, and where each one is (numpy masks). Each is found by one comparison
    in C, which costs a third of a dictionary encoding of the column and needs no codes spread
    over it. None where the first rows hold more distinct cells, or a later row holds another
    (found by counting, before any mask is made)."""
    if not isinstance(raw.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow.compute as pc

    column = raw.array._pa_array
    if column.null_count:
        return None
    cells = pc.unique(column.slice(0, _DISTINCT_SAMPLE))
    if not 0 < len(cells) <= _FEW_VALUES:
        return None
    found = [pc.equal(column, cell) for cell in cells]
    if sum(pc.sum(where).as_py() or 0 for where in found) != len(column):
        return None
    masks = [np.concatenate([chunk.to_numpy(zero_copy_only=False) for chunk in where.chunks])
             if where.num_chunks else np.zeros(0, dtype=bool) for where in found]
    return cells.to_pylist(), _blank(cells), masks


def no_errors(index: pd.Index) -> pd.Series:
    """The error column of a column that parsed everywhere: all missing, one byte per row (a
    column of missing text would cost eight, zeroed, for its offsets)."""
    no_codes = pd.CategoricalDtype(pd.Index([], dtype="string"))
    return pd.Series(pd.Categorical.from_codes(np.full(len(index), -1, dtype=np.int8), dtype=no_codes, validate=False),
                     index=index, copy=False)


def _scalar(fn):
    """Lift a one-cell parser returning (value, error) to the list form _per_value wants."""

    def parse_uniques(values: list) -> tuple[list, list]:
        pairs = [fn(v) for v in values]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    return parse_uniques


def _text_cell(v: object) -> tuple[object, None]:
    if type(v) is str and v.isascii():
        return " ".join(v.split()), None  # NFC changes nothing in ASCII; spaces still fold
    if isinstance(v, float) and v.is_integer():
        return str(int(v)), None
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat(), None
    return nfc(str(v)), None


# Python's whitespace (what str.split and str.strip take away; tests/test_cells.py checks the
# list against str.isspace), as RE2 classes: all of it, and all but the space.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + \
    "\u2028\u2029\u202f\u205f\u3000"
_WHITESPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACES) + "]"
_NOT_SPACE_WHITESPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACES if c != " ") + "]"
# A text that differs from " ".join(text.split()): whitespace at an end, other than a space, or twice.
_NEEDS_FOLDING = f"^{_WHITESPACE}|{_WHITESPACE}$|{_NOT_SPACE_WHITESPACE}|{_WHITESPACE}{{2}}"
_NFC_MAY_CHANGE = nfc_quick_check.regex_class()


def normalise_arrow_text(values):
    """_text_cell of every Arrow text value, in C: NFC, whitespace runs folded to one space, ends
    trimmed; a value left empty becomes null. Only the values that need folding are rewritten
    (a regex replace costs ten times a match); values that need nothing are given back as they
    are (the same array, in one piece)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = one_array(values)
    if unchanged_by_normalising(values):
        return values
    given = values
    changes = pc.match_substring_regex(values, _NFC_MAY_CHANGE)  # NFC rewrites every text: only where it can change one
    if pc.any(changes).as_py():
        values = pc.replace_with_mask(values, changes, pc.utf8_normalize(values.filter(changes), "NFC"))
    needs = pc.match_substring_regex(values, _NEEDS_FOLDING)
    if pc.any(needs).as_py():
        folded = pc.utf8_trim(pc.replace_substring_regex(values.filter(needs), _WHITESPACE + "+", " "), " ")
        values = pc.replace_with_mask(values, needs, folded)
    empty = pc.equal(values, "")
    if values is given and not pc.any(empty).as_py():
        return given
    return pc.if_else(empty, pa.scalar(None, values.type), values)


def unchanged_by_normalising(values) -> bool:
    """Whether normalise_arrow_text gives every value of an Arrow text array back as it is:
    frames.plain_ascii, ASCII without whitespace or control characters (ids, codes, numbers),
    none empty (10-40 ms for a members sheet's 3.5 million household ids, which the regular
    expressions and the spreading back over runs took 0.6-0.8 s to give back unchanged)."""
    return plain_ascii(values)


def normalised_text_column(column):
    """normalise_arrow_text of every cell of an Arrow text column (chunked or not), done once per
    run of equal neighbours (frames.runs) and, where values repeat, once per distinct value. A
    column that normalising does not change is given back as it is (no copy spread over its rows):
    plain ASCII ids are told chunk by chunk before any run is looked for, other text by its runs'
    heads."""
    if all(unchanged_by_normalising(chunk) for chunk in getattr(column, "chunks", [column])):
        return column
    heads, run_of = runs(column)
    text = normalised_values(heads)
    if text is heads:
        return column
    return text if run_of is None else text.take(run_of)


_DISTINCT_SAMPLE = 10_000


def normalised_values(values):
    """normalise_arrow_text of Arrow text values, each distinct value once where values repeat.
    Ids and names are mostly distinct: a dictionary of them would cost twice the normalising it
    saves, so the first values say whether to look for the distinct ones. Values normalising does
    not change (ASCII ids, most names and wards) are given back as they are, the same array."""
    import pyarrow.compute as pc

    if unchanged_by_normalising(values):
        return values
    sample = values.slice(0, _DISTINCT_SAMPLE)
    if 2 * len(pc.unique(sample)) > len(sample):
        return normalise_arrow_text(values)
    distinct = pc.unique(values)
    normalised = normalise_arrow_text(distinct)
    if normalised is distinct:
        return values
    return normalised.take(pc.index_in(values, distinct))


def normalised_nonblank(values) -> tuple[np.ndarray, object]:
    """The positions of an Arrow text array's values that hold text once normalised as a cell is
    read (normalised_values), and those texts. Empty values are set aside before normalising: in
    a persons list most of the Mã hộ column is empty, and with them among the ids a dictionary of
    all the values was built (0.3 s for a city's 3.5 million rows) where the ids alone, ASCII,
    are given back as they are."""
    import pyarrow.compute as pc

    nonempty = pc.greater(pc.binary_length(values), 0).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(nonempty)
    texts = normalised_values(values if len(positions) == len(values) else values.filter(nonempty))
    if texts.null_count:  # (spaces only: blank)
        valid = texts.is_valid().to_numpy(zero_copy_only=False)
        positions, texts = positions[valid], texts.filter(valid)
    return positions, texts


def _text_uniques(values: list) -> tuple[list, list]:
    """_text_cell for each distinct value; many distinct texts (ids, names) are normalised in C."""
    if len(values) < 2_000 or not all(type(v) is str for v in values):
        return _scalar(_text_cell)(values)
    import pyarrow as pa

    return normalise_arrow_text(pa.array(values, type=pa.large_string())).to_pylist(), [None] * len(values)


def parse_text(raw: pd.Series) -> Parsed:
    """Text in NFC; whole numbers typed into a text column lose Excel's ".0" (101.0 -> "101")."""
    if isinstance(raw.array, pd.arrays.ArrowStringArray):  # CSV and Parquet: normalised in C
        text = normalised_text_column(raw.array._pa_array)  # (the column as read, in the read's chunks,
        # when normalising changes none of it; as "string" either way, missing as NA, whatever text
        # type the cells came in)
        return pd.Series(pd.arrays.ArrowStringArray(text), index=raw.index, copy=False), no_errors(raw.index)
    distinct = _per_value(raw, _text_uniques)
    return distinct.text_column(), distinct.errors_column()


def parse_number(raw: pd.Series) -> Parsed:
    data, missing, distinct = _parsed_numbers(raw, _number_uniques, "float64", 0.0)
    return pd.Series(pd.arrays.FloatingArray(data, missing), index=raw.index, copy=False), distinct.errors_column()


def _parsed_numbers(raw: pd.Series, parse_uniques, dtype: str, fill: object) -> tuple[np.ndarray, np.ndarray, _Distinct]:
    """(data, missing, distinct) of a number column: parsed once per distinct cell, except that in
    an Arrow text column of mostly distinct cells (row numbers, incomes typed to the đồng) the plain
    ones ("4523117", "4523117.0", "4.523.117") are read row by row in C and only the others once per distinct
    cell; `distinct` then has no code (-1) for the plain rows, which have no error."""
    plain = _plain_number_rows(raw)
    if plain is None:
        distinct = _per_value(raw, parse_uniques)
        return *distinct.masked(dtype, fill), distinct
    numbers, is_plain = plain
    rest = ~is_plain
    distinct = _per_value(raw[rest], parse_uniques)
    rest_data, rest_missing = distinct.masked(dtype, fill)
    data = np.empty(len(raw), dtype=dtype)
    data[is_plain] = numbers  # (plain numbers have at most 15 digits: whole and exact in int64)
    data[rest] = rest_data
    missing = np.zeros(len(raw), dtype=bool)
    missing[rest] = rest_missing
    codes = np.full(len(raw), -1, dtype=distinct.codes.dtype)
    codes[rest] = distinct.codes
    return data, missing, _Distinct(codes, distinct.values, distinct.errors, raw.index)


def _plain_number_rows(raw: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """For an Arrow text column whose first cells are mostly distinct and whose cells are mostly
    plain numbers: the values of the plain rows, in order, and which rows are plain. None otherwise:
    where cells repeat, parsing each distinct cell once is cheaper; where few are plain, a second
    path would only add its cost."""
    if not isinstance(raw.array, pd.arrays.ArrowStringArray) or len(raw) < _MANY_NUMBERS:
        return None
    import pyarrow.compute as pc

    sample = raw.array._pa_array.slice(0, _DISTINCT_SAMPLE)  # (the read's chunks as they are: joined only if needed)
    if 2 * len(pc.unique(sample)) <= len(sample):
        return None
    text = arrow_text(raw)
    is_plain = pc.match_substring_regex(text, _PLAIN_NUMBER).fill_null(False)
    plain_count = pc.sum(is_plain).as_py() or 0
    if 2 * plain_count <= len(text):
        return None
    return _plain_values(text.filter(is_plain)), is_plain.to_numpy(zero_copy_only=False)


# "4.523.117": thousands grouped by "." (at most 15 digits: exact), read in C (_PLAIN_NUMBER) and
# one by one (_number_cells) alike
_DOT_GROUPED_DIGITS = r"[0-9]{1,3}(\.[0-9]{3}){1,4}"
# "4523117", "4523117.0" (a float column written out), "4.523.117": at most 15 digits, exact
_PLAIN_NUMBER = rf"^[0-9]{{1,15}}(\.0)?$|^{_DOT_GROUPED_DIGITS}$"


def _plain_values(text) -> np.ndarray:
    """The values of Arrow texts that match _PLAIN_NUMBER, as float64."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.replace_substring(pc.replace_substring_regex(text, r"\.0$", ""), ".", "")
    return pc.cast(digits, pa.float64()).to_numpy()


_MANY_NUMBERS = 5_000  # from this many cells (distinct ones, or a column's rows) reading them in C pays


def _number_uniques(cells: list) -> tuple[list, list]:
    """Each distinct cell as a float, or None with an error code. Many distinct cells (incomes
    typed to the đồng, row numbers) are read in C where they are plain digits, with or without
    "." between thousands; the rest, and short lists, one by one."""
    if len(cells) < _MANY_NUMBERS:
        return _number_cells(cells)
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array([c if type(c) is str else None for c in cells], type=pa.large_string())
    plain = pc.match_substring_regex(text, _PLAIN_NUMBER).fill_null(False)
    if not pc.any(plain).as_py():
        return _number_cells(cells)
    numbers = _plain_values(text.filter(plain))
    plain = plain.to_numpy(zero_copy_only=False)
    rest = np.flatnonzero(~plain).tolist()
    rest_values, rest_errors = _number_cells([cells[i] for i in rest])
    values: list = [None] * len(cells)
    errors: list = [None] * len(cells)
    for i, value in zip(np.flatnonzero(plain).tolist(), numbers.tolist()):
        values[i] = value
    for i, value, error in zip(rest, rest_values, rest_errors):
        values[i], errors[i] = value, error
    return values, errors


# "4523117", "34.8", "8.25": read by float() exactly as _parse_number_text reads them (at most 15
# digits and 2 decimals: one exact division by 10 or 100); the general path costs about 1 ms per
# pandas string method, some 30 ms a column even for a few thousand distinct cells (0.13 s for a
# ward file's 4,000 distinct incomes when some are typed "2.000.000")
_SHORT_DECIMAL = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")
_DOT_GROUPED = re.compile(_DOT_GROUPED_DIGITS)


def _number_cells(cells: list) -> tuple[list, list]:
    """_number_uniques one cell at a time."""
    values: list = [None] * len(cells)
    errors: list = ["not_a_number"] * len(cells)
    text_at = []
    for i, cell in enumerate(cells):
        if is_number(cell) and np.isfinite(float(cell)):
            values[i], errors[i] = float(cell), None
        elif isinstance(cell, str):
            if _SHORT_DECIMAL.fullmatch(cell):
                values[i], errors[i] = float(cell), None
            elif _DOT_GROUPED.fullmatch(cell):
                values[i], errors[i] = float(cell.replace(".", "")), None
            else:
                text_at.append(i)
    if text_at:
        text = pd.Series([nfc(cells[i]) for i in text_at], dtype=object)
        text_values, text_errors = _parse_number_text(text)
        for i, value, error in zip(text_at, text_values.tolist(), text_errors.tolist()):
            values[i] = None if pd.isna(value) else value
            errors[i] = None if pd.isna(error) else error
    return values, errors


def _parse_number_text(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = text.str.replace(_UNIT, "", regex=True).str.strip()
    multiplier_word = text.str.extract(_MULTIPLIER, expand=False).str.lower()
    factor = multiplier_word.map(_MULTIPLIERS).fillna(1.0).astype("float64")
    text = text.str.replace(_MULTIPLIER, "", regex=True).str.strip()

    # The fast path first: plain numbers need no regex ("2000000", "8.5", "-3").
    plain = pd.to_numeric(text.where(~text.str.contains(",", regex=False)), errors="coerce")
    plain = plain.where(~text.str.fullmatch(_DOT_THOUSANDS.pattern))
    canonical = pd.Series(pd.NA, index=text.index, dtype="object")
    dot = text.str.fullmatch(_DOT_THOUSANDS.pattern)
    canonical[dot] = text[dot].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    comma = text.str.fullmatch(_COMMA_THOUSANDS.pattern)
    canonical[comma] = text[comma].str.replace(",", "", regex=False)
    space = text.str.fullmatch(_SPACE_THOUSANDS.pattern)
    canonical[space] = text[space].str.replace(" ", "", regex=False).str.replace(",", ".", regex=False)
    ambiguous = text.str.fullmatch(_AMBIGUOUS.pattern) & ~dot & ~comma
    decimal_comma = text.str.fullmatch(_DECIMAL_COMMA.pattern) & ~ambiguous
    canonical[decimal_comma] = text[decimal_comma].str.replace(",", ".", regex=False)

    values = plain.astype("float64")
    from_canonical = pd.to_numeric(canonical, errors="coerce").astype("float64")
    values = values.where(values.notna(), from_canonical) * factor
    values = values.where(np.isfinite(values)) + 0.0  # (+ 0.0: "-0" is 0, whichever cells it is read with)
    errors = pd.Series(pd.NA, index=text.index, dtype="string")
    errors[values.isna()] = "not_a_number"
    errors[ambiguous.astype(bool)] = "ambiguous_number"
    return values, errors


_INT_LIMIT = 2.0**53  # beyond this a float no longer holds every whole number


def parse_int(raw: pd.Series) -> Parsed:
    """Whole numbers; checked once per distinct cell like the others."""
    return _whole_numbers(raw, _int_uniques)


def parse_year(raw: pd.Series) -> Parsed:
    """Years: whole numbers, and dates (a date cell, or text such as "15/03/1985"), of which the
    year (schema.year_of_date, the rule the model applies too)."""
    return _whole_numbers(raw, _whole_numbers_or(year_of_date, "not_a_year"))


def parse_age(raw: pd.Series) -> Parsed:
    """Ages: whole numbers of years, and a baby's age in months, weeks or days ("6 tháng") as
    whole years (schema.years_of_age, the rule the model applies too)."""
    return _whole_numbers(raw, _whole_numbers_or(years_of_age, "not_a_number"))


def _whole_numbers_or(rule, not_a_number: str):
    """Distinct cells read by `rule` (a cell -> a whole number, or None), the others as whole
    numbers, whose "not a number" is called `not_a_number`."""

    def uniques(cells: list) -> tuple[list, list]:
        found = [rule(cell) for cell in cells]
        rest = [i for i, value in enumerate(found) if value is None]
        values, errors = list(found), [None] * len(cells)
        for i, value, error in zip(rest, *_int_uniques([cells[i] for i in rest])):
            values[i], errors[i] = value, (not_a_number if error == "not_a_number" else error)
        return values, errors

    return uniques


def _whole_numbers(raw: pd.Series, parse_uniques) -> Parsed:
    plain = _plain_whole_numbers(raw)
    if plain is not None:
        missing = np.zeros(len(plain), dtype=bool)
        return pd.Series(pd.arrays.IntegerArray(plain, missing), index=raw.index, copy=False), no_errors(raw.index)
    data, missing, distinct = _parsed_numbers(raw, parse_uniques, "int64", 0)
    return pd.Series(pd.arrays.IntegerArray(data, missing), index=raw.index, copy=False), distinct.errors_column()


def _plain_whole_numbers(raw: pd.Series) -> np.ndarray | None:
    """The values of an Arrow text column whose every cell is a plain whole number ("24", "-3",
    "007") of at most 15 digits, read in one pass in C (Arrow's cast; a members sheet's ages:
    0.2 s once per distinct cell, 0.07 s so, on a first call); None where any cell is something
    else (a blank, "6 tháng", "24.0"), which the cells' rules then read once per distinct cell.
    Every byte a digit or "-" first: Arrow's cast also reads "0x10" (hexadecimal), which no rule
    here does, and 16-19 digits, which are not exact as numbers here."""
    if not isinstance(raw.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    column = raw.array._pa_array
    if column.null_count or not all(_digits_and_minus_only(chunk) for chunk in column.chunks):
        return None
    try:
        numbers = pc.cast(column, pa.int64())
    except pa.ArrowInvalid:  # (a blank, a lone "-", a "-" inside a number)
        return None
    values = numbers.to_numpy()  # (no missing values: one int64 array, whatever the chunks)
    if len(values) and max(values.max(), -values.min()) >= _EXACT_DIGITS_LIMIT:
        return None
    return values


_EXACT_DIGITS_LIMIT = 10**15  # a whole number of at most 15 digits (as _PLAIN_NUMBER reads them)


def _digits_and_minus_only(chunk) -> bool:
    smallest, largest = byte_range(chunk)
    return smallest >= ord("-") and largest <= ord("9")  # (and "." "/": the cast refuses them)


def _int_uniques(cells: list) -> tuple[list, list]:
    values, errors = _number_uniques(cells)
    for i, value in enumerate(values):
        if value is None:
            continue
        if abs(value) >= _INT_LIMIT:
            values[i], errors[i] = None, "out_of_range"
        elif value != round(value):
            values[i], errors[i] = None, "not_an_integer"
        else:
            values[i] = int(value)
    return values, errors


def _yes_no_cell(v: object) -> tuple[object, object]:
    if is_bool(v):
        return bool(v), None
    if is_number(v) and v in (0, 1):
        return bool(v), None
    text = str(v).strip()
    if text in CHECK_MARKS:
        return True, None
    key = fold(text)
    if key in YES:
        return True, None
    if key in NO:
        return False, None
    return None, "not_yes_no"


def parse_yes_no(raw: pd.Series) -> Parsed:
    few = _few_values(raw)
    if few is not None:
        parsed = _yes_no_from_masks(*few, len(raw))
        if parsed is not None:
            return pd.Series(pd.arrays.BooleanArray(*parsed), index=raw.index, copy=False), no_errors(raw.index)
    distinct = _per_value(raw, _scalar(_yes_no_cell))
    data, missing = distinct.masked("bool", False)
    return pd.Series(pd.arrays.BooleanArray(data, missing), index=raw.index, copy=False), distinct.errors_column()


def _yes_no_from_masks(cells: list, blank: list, masks: list[np.ndarray], rows: int) -> tuple | None:
    """(data, missing) of a yes/no column from its few distinct cells (_few_values); None where one
    of them is not a yes/no answer (the general path then tells which rows)."""
    answers = [None if is_blank else _yes_no_cell(cell) for cell, is_blank in zip(cells, blank)]
    if any(answer is not None and answer[1] is not None for answer in answers):
        return None

    def rows_where(wanted) -> np.ndarray:
        hits = [mask for mask, answer in zip(masks, answers) if wanted(answer)]
        return np.logical_or.reduce(hits) if len(hits) > 1 else hits[0] if hits else np.zeros(rows, dtype=bool)

    return rows_where(lambda answer: answer is not None and answer[0]), rows_where(lambda answer: answer is None)


def parse_category(raw: pd.Series, categories: Categories) -> Parsed:
    lookup = categories.lookup()

    def category_cell(v: object) -> tuple[object, object]:
        canonical = lookup.get(fold(str(v)))
        return (canonical, None) if canonical is not None else (None, "bad_category")

    distinct = _per_value(raw, _scalar(category_cell))
    return distinct.categorical(list(categories.values)), distinct.errors_column()
