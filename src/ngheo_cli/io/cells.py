"""Vectorised parsing of cell values as officers type them.

Each parser takes a column of raw cells (numbers, text, booleans, dates, blanks) and returns
the parsed column plus a column of error codes (NA where the cell parsed). Blank cells parse to
NA without error: whether a blank is allowed is the validator's call.

Numbers follow the Vietnamese convention of the contract: "." groups thousands and "," marks
decimals ("2.000.000", "8,5"). English grouping with two or more commas ("2,000,000") and a
plain decimal point ("8.5") are read too. A single comma followed by exactly three digits
("1,500") could be either and is refused as ambiguous. Currency and units ("đ", "đồng", "VND",
"m2") are dropped; "triệu"/"tr" multiplies by a million and "nghìn"/"ngàn" by a thousand, so
"2,5 triệu" is 2,500,000.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from ngheo_cli.schema import Categories
from ngheo_cli.text import fold, nfc

Parsed = tuple[pd.Series, pd.Series]

_UNIT = re.compile(r"(?i)\s*(vnđ|vnd|đồng|đ|m2|m²)\.?$")
_MULTIPLIER = re.compile(r"(?i)\s*(triệu|tr|nghìn|ngàn|ngan|nghin)\.?$")
_MULTIPLIERS = {"triệu": 1e6, "tr": 1e6, "nghìn": 1e3, "ngàn": 1e3, "ngan": 1e3, "nghin": 1e3}
_DOT_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_COMMA_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3}){2,}(\.\d+)?|-?\d{1,3},\d{3}\.\d+")
_SPACE_THOUSANDS = re.compile(r"-?\d{1,3}( \d{3})+(,\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_AMBIGUOUS = re.compile(r"-?\d{1,3},\d{3}")

YES = frozenset(fold(s) for s in ("x", "có", "1", "yes", "y", "true", "đúng", "c"))
NO = frozenset(fold(s) for s in ("không", "0", "no", "n", "false", "sai", "k", "ko"))


def _is_blank(raw: pd.Series) -> pd.Series:
    def blank(v: object) -> bool:
        if v is None or v is pd.NA:
            return True
        if isinstance(v, float) and np.isnan(v):
            return True
        return isinstance(v, str) and not v.strip()

    return raw.map(blank).astype(bool)


def parse_text(raw: pd.Series) -> Parsed:
    """Text in NFC; whole numbers typed into a text column lose Excel's ".0" (101.0 -> "101")."""

    def one(v: object) -> object:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (dt.datetime, dt.date)):
            return v.isoformat()
        return nfc(str(v))

    blank = _is_blank(raw)
    out = pd.Series(pd.NA, index=raw.index, dtype="string")
    if (~blank).any():
        out[~blank] = raw[~blank].map(one).astype("string")
    return out, pd.Series(pd.NA, index=raw.index, dtype="string")


def parse_number(raw: pd.Series) -> Parsed:
    blank = _is_blank(raw)
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    errors = pd.Series(pd.NA, index=raw.index, dtype="string")

    is_bool = raw.map(lambda v: isinstance(v, (bool, np.bool_))).astype(bool)
    is_num = raw.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))).astype(bool)
    numeric = is_num & ~is_bool & ~blank
    values[numeric] = raw[numeric].astype("float64")

    text_mask = ~blank & ~numeric & ~is_bool & raw.map(lambda v: isinstance(v, str)).astype(bool)
    if text_mask.any():
        text_values, text_errors = _parse_number_text(raw[text_mask].map(nfc))
        values[text_mask] = text_values
        errors[text_mask] = text_errors
    other = ~blank & ~numeric & ~text_mask
    errors[other] = "not_a_number"
    return values.astype("Float64").mask(values.isna()), errors


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
    values = values.where(np.isfinite(values))
    errors = pd.Series(pd.NA, index=text.index, dtype="string")
    errors[values.isna()] = "not_a_number"
    errors[ambiguous.astype(bool)] = "ambiguous_number"
    return values, errors


def parse_int(raw: pd.Series) -> Parsed:
    values, errors = parse_number(raw)
    fractional = values.notna() & (values != values.round())
    errors = errors.mask(fractional.astype(bool) & errors.isna(), "not_an_integer")
    return values.mask(fractional.astype(bool)).round().astype("Int64"), errors


def parse_yes_no(raw: pd.Series) -> Parsed:
    def one(v: object) -> object:
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        key = fold(str(v))
        if key in YES:
            return True
        if key in NO:
            return False
        return None

    blank = _is_blank(raw)
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    errors = pd.Series(pd.NA, index=raw.index, dtype="string")
    if (~blank).any():
        parsed = raw[~blank].map(one)
        values[~blank] = parsed.astype("boolean")
        errors[parsed[parsed.isna()].index] = "not_yes_no"
    return values, errors


def parse_category(raw: pd.Series, categories: Categories) -> Parsed:
    lookup = categories.lookup()
    blank = _is_blank(raw)
    values = pd.Series(pd.NA, index=raw.index, dtype="string")
    errors = pd.Series(pd.NA, index=raw.index, dtype="string")
    if (~blank).any():
        keys = raw[~blank].map(lambda v: fold(str(v)))
        mapped = keys.map(lookup)
        values[~blank] = mapped.astype("string")
        errors[mapped[mapped.isna()].index] = "bad_category"
    return values, errors
