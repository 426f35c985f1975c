"""Cell values as officers type them: Vietnamese numbers, yes/no marks, categories, text."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngheo_cli.io.cells import parse_age, parse_category, parse_int, parse_number, parse_text, parse_yes_no
from ngheo_cli.schema import AREA, WATER_SOURCE


def one_number(cell):
    values, errors = parse_number(pd.Series([cell], dtype=object))
    return (None if pd.isna(values[0]) else float(values[0])), (None if pd.isna(errors[0]) else errors[0])


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2.000.000", 2_000_000),
        ("1.500.000 đ", 1_500_000),
        ("1.500.000đ", 1_500_000),
        ("2.000.000 đồng", 2_000_000),
        ("2000000 VND", 2_000_000),
        ("8,5", 8.5),
        ("8.5", 8.5),
        ("2,000,000", 2_000_000),
        ("1.234.567,5", 1_234_567.5),
        ("12 000", 12_000),
        ("2,5 triệu", 2_500_000),
        ("3 tr", 3_000_000),
        ("500 nghìn", 500_000),
        ("\u00a02.000.000\u00a0", 2_000_000),
        (2_000_000.0, 2_000_000),
        (7, 7),
        ("24 m2", 24),
        ("4 người", 4),  # a members count, an age, as officers write them
        ("4 nhân khẩu", 4),
        ("45 tuổi", 45),
    ],
)
def test_vietnamese_numbers_are_read(cell, expected):
    assert one_number(cell) == (expected, None)


@pytest.mark.parametrize(
    "cell, code",
    [
        ("1,500", "ambiguous_number"),  # 1.5 or 1500? refused, never guessed
        ("khoảng 2 triệu", "not_a_number"),
        ("#N/A", "not_a_number"),
        ("#VALUE!", "not_a_number"),
        (True, "not_a_number"),
        ("2.000.000.", "not_a_number"),
    ],
)
def test_unreadable_numbers_are_reported_not_guessed(cell, code):
    assert one_number(cell) == (None, code)


@pytest.mark.parametrize("cell", ["", "   ", None, float("nan")])
def test_blank_number_is_missing_without_error(cell):
    assert one_number(cell) == (None, None)


@given(st.integers(min_value=0, max_value=10**12))
def test_any_integer_written_the_vietnamese_way_reads_back(n):
    text = f"{n:,}".replace(",", ".")
    assert one_number(text) == (n, None)
    assert one_number(text + " đ") == (n, None)


_NUMBER_TEXTS = st.one_of(  # numbers as a CSV or Parquet column holds them
    st.text(alphabet="0123456789", min_size=1, max_size=20),  # plain digits, leading zeros, past 15 digits
    st.lists(st.text(alphabet="0123456789", min_size=3, max_size=3), min_size=1, max_size=5).map(".".join),
    st.sampled_from(["1.500", "8.5", "2,5 triệu", "2.000.000 đ", " 12 ", "-12", "1,500", "x", "", "1.50", "12.3456",
                     "12.0", "1.000.0", "0.0", "7.00", "1.0.0"]),
    st.text(alphabet="0123456789", min_size=1, max_size=17).map(lambda digits: digits + ".0"),  # a float column written out
)
_SHORT_NUMBERS = st.one_of(  # what the one-by-one parser reads without the general text path, and near misses
    st.integers(0, 10**16).map(str),
    st.tuples(st.integers(0, 10**14), st.integers(0, 999), st.integers(1, 3)).map(
        lambda whole_part_digits: f"{whole_part_digits[0]}.{whole_part_digits[1]:0{whole_part_digits[2]}d}"),
    st.decimals(min_value=0, max_value=10**13, places=2, allow_nan=False).map(str),
    st.from_regex(r"\A-?0*[0-9]{0,4}\.?[0-9]{0,3}\Z"),
    st.from_regex(r"\A-?[0-9]{1,4}(\.[0-9]{2,4}){1,6}\Z"),  # "2.000.000" and near misses (groups of 2 or 4, too many)
)


@settings(max_examples=500)
@given(st.lists(_SHORT_NUMBERS, min_size=1, max_size=5))
def test_short_decimals_read_one_by_one_as_the_general_text_parser_reads_them(texts):
    """Plain digits, decimals of one or two places and thousands grouped by "." skip pandas' string
    methods: the value and the error must be the general path's, to the last bit ("34.8", "-0",
    "1.500" = 1500, "1.50", "2.000.000")."""
    import math

    from ngheo_cli.io import cells as parse

    values, errors = parse._number_cells(texts)
    general_values, general_errors = parse._parse_number_text(pd.Series(texts, dtype=object))
    for value, error, general_value, general_error in zip(values, errors, general_values, general_errors):
        assert (value is None) == pd.isna(general_value)
        if value is not None:
            assert value == general_value and math.copysign(1, value) == math.copysign(1, general_value)
        assert error == (None if pd.isna(general_error) else general_error)


_NUMBER_CELLS = st.one_of(  # and as a workbook's cells hold them
    _NUMBER_TEXTS, st.integers(-5, 10**9), st.floats(allow_nan=False, allow_infinity=False), st.none(), st.booleans(),
)


@given(st.lists(_NUMBER_CELLS, min_size=1, max_size=30), st.integers(0, 3))
def test_many_numbers_read_in_c_as_one_by_one(cells, copies):
    """Many distinct cells (incomes typed to the đồng, row numbers) are read in C where they
    are plain digits or "2.000.000"; every cell must read exactly as the one-by-one parser reads it."""
    from ngheo_cli.io import cells as parse

    many = cells * (parse._MANY_NUMBERS // len(cells) + 1) + [f"{n}" for n in range(copies * 1000)]
    assert parse._number_uniques(many) == parse._number_cells(many)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), _NUMBER_TEXTS), min_size=1, max_size=30),
       st.randoms(use_true_random=False))
def test_a_column_of_mostly_distinct_numbers_reads_row_by_row_as_cell_by_cell(cells, rng):
    """Row numbers and incomes typed to the đồng (a CSV or Parquet column of mostly distinct plain
    numbers) are read row by row in C, the other cells once per distinct value: every row must get
    the value and the error the one-by-one parser gives it, as a number and as a whole number."""
    import pyarrow as pa

    from ngheo_cli.io import cells as parse

    column = [f"{n * 7}" if n % 3 else f"{n * 7:,}".replace(",", ".") for n in range(parse._MANY_NUMBERS + 100)]
    for cell in cells:
        column.insert(rng.randrange(len(column) + 1), cell)
    arrow = pd.Series(pd.arrays.ArrowStringArray(pa.array(column, type=pa.large_string())))
    assert parse._plain_number_rows(arrow) is not None  # the row-by-row path is the one tested
    python = pd.Series(column, dtype=object)
    for parser in (parse.parse_number, parse.parse_int):
        (arrow_values, arrow_errors), (python_values, python_errors) = parser(arrow), parser(python)
        pd.testing.assert_series_equal(arrow_values, python_values)
        assert arrow_errors.astype(object).where(arrow_errors.notna(), None).tolist() == \
            python_errors.astype(object).where(python_errors.notna(), None).tolist()


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=99))
def test_decimal_comma_reads_back(whole, cents):
    text = f"{whole:,}".replace(",", ".") + f",{cents:02d}"
    value, error = one_number(text)
    assert error is None
    assert value == pytest.approx(whole + cents / 100)


def test_whole_numbers_refuse_fractions():
    values, errors = parse_int(pd.Series(["3", 2.5, "4,0", ""], dtype=object))
    assert values.tolist()[0] == 3 and values.tolist()[2] == 4
    assert errors.tolist()[1] == "not_an_integer"
    assert pd.isna(values[3]) and pd.isna(errors[3])


def test_a_babys_age_in_months_weeks_or_days_is_its_whole_years():
    """Officers write an infant's age as "6 tháng": that rejected the member, and with it the
    household. An age in months, weeks or days is its whole years (tuổi tròn), as the indicators
    count age; anything else stays an error, not a guess."""
    cells = pd.Series(["6 tháng", "18 tháng tuổi", "11 THÁNG", "2 tuần", "10 ngày", "Sơ sinh", "1 tuổi 6 tháng",
                       "24 thang", 45, "45 tuổi", "1,5 tháng", "6 năm", "tháng", None], dtype=object)
    values, errors = parse_age(cells)
    assert values.tolist()[:10] == [0, 1, 0, 0, 0, 0, 1, 2, 45, 45]
    assert values.iloc[10:].isna().all() and errors.iloc[:10].isna().all()
    assert errors.iloc[10:13].tolist() == ["not_a_number"] * 3 and pd.isna(errors.iloc[13])


def test_every_yes_no_spelling_of_the_contract():
    cells = ["x", "X", "có", "Có", "1", 1, True, "không", "Không", "0", 0, False, "", None, "co", "khong"]
    values, errors = parse_yes_no(pd.Series(cells, dtype=object))
    assert values.tolist() == [True] * 7 + [False] * 5 + [pd.NA, pd.NA] + [True, False]
    assert errors.isna().all()


def test_ticks_and_spelled_out_answers_as_officers_write_them():
    cells = ["✓", " ✔ ", "☑", "v", "V", "Đã có", "Không có", "chưa có", "Chưa"]
    values, errors = parse_yes_no(pd.Series(cells, dtype=object))
    assert values.tolist() == [True] * 6 + [False] * 3
    assert errors.isna().all()


def test_unknown_yes_no_is_an_error():
    values, errors = parse_yes_no(pd.Series(["có thể", "?", "-", "✗"], dtype=object))  # (a cross: yes or no?)
    assert values.isna().all()
    assert errors.tolist() == ["not_yes_no"] * 4


_YES_NO_CELLS = st.sampled_from(["x", "X", "", " ", "\u00a0", "có", "không", "0", "1", "?", "co thể", "✓"])


@settings(max_examples=80, deadline=None)
@given(st.lists(_YES_NO_CELLS, min_size=1, max_size=40), st.lists(_YES_NO_CELLS, max_size=5),
       st.integers(1, 4), st.integers(1, 12))
def test_a_csv_yes_no_column_of_few_cells_reads_as_cell_by_cell(head, tail, chunks, sample):
    """A CSV/Parquet yes/no column of a few distinct cells is read by comparing the column with each
    of them (no dictionary); any other cell after the first rows, any cell that is no answer, sends
    it down the general path. Either way every row gets what the one-by-one parser gives it."""
    import pyarrow as pa

    from ngheo_cli.io import cells as parse

    column = head + tail
    size = -(-len(column) // chunks)
    blocks = pa.chunked_array([pa.array(column[i:i + size], type=pa.large_string()) for i in range(0, len(column), size)])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "_DISTINCT_SAMPLE", sample)  # (the first rows: 10,000 in a run)
        arrow_values, arrow_errors = parse_yes_no(pd.Series(pd.arrays.ArrowStringArray(blocks)))
    python_values, python_errors = parse_yes_no(pd.Series(column, dtype=object))
    pd.testing.assert_series_equal(arrow_values, python_values)
    assert arrow_errors.astype(object).where(arrow_errors.notna(), None).tolist() == \
        python_errors.astype(object).where(python_errors.notna(), None).tolist()


def test_the_usual_yes_no_column_is_read_without_a_dictionary():
    """"x" and blank, the members sheet's usual column, takes the comparisons' path (the test above
    would pass with it never taken)."""
    import pyarrow as pa

    from ngheo_cli.io import cells as parse

    arrow = pd.Series(pd.arrays.ArrowStringArray(pa.array(["x", "", " ", "x"] * 5, type=pa.large_string())))
    assert parse._few_values(arrow) is not None
    values, errors = parse_yes_no(arrow)
    assert values.tolist() == [True, pd.NA, pd.NA, True] * 5 and errors.isna().all()


def test_categories_match_without_case_diacritics_or_stray_spaces():
    values, errors = parse_category(pd.Series(["Thành thị", " nong thon ", "ĐÔ THỊ", "urban", "city"], dtype=object), AREA)
    assert values.tolist()[:4] == ["urban", "rural", "urban", "urban"]
    assert errors.tolist()[4] == "bad_category"


def test_nfd_text_and_categories_are_the_same_as_nfc():
    nfd = "Nước máy".encode().decode()  # written below in NFD
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Nước máy")
    values, errors = parse_category(pd.Series([nfd], dtype=object), WATER_SOURCE)
    assert values.tolist() == ["nước máy"] and errors.isna().all()
    text, _ = parse_text(pd.Series([unicodedata.normalize("NFD", "Phường Cầu Giấy")], dtype=object))
    assert text[0] == "Phường Cầu Giấy"


def test_ids_typed_as_numbers_keep_their_digits():
    text, _ = parse_text(pd.Series([101.0, "  CG-01 ", 7], dtype=object))
    assert text.tolist() == ["101", "CG-01", "7"]


def test_the_bulk_text_path_folds_exactly_like_the_one_cell_path():
    """Columns with thousands of distinct texts skip the clean ones in C; the rest must match."""
    import random

    from ngheo_cli.io.cells import _text_cell, _text_uniques

    rng = random.Random(5)
    alphabet = " \t\n\x0b\x0c\r\x1c\x1fabĐđ\u00a0ạe\u0301"  # ASCII and Unicode spaces, NFD accents
    values = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(20_000)})
    values = [v for v in values if v.strip()]
    assert len(values) > 2_000
    assert _text_uniques(values)[0] == [_text_cell(v)[0] for v in values]


# spaces of all kinds, precomposed and decomposed Vietnamese, and what else NFC changes: the Ohm and
# Angstrom signs, a CJK compatibility ideograph, an excluded composite, Hangul jamo that compose
_MESSY_TEXT = st.text(alphabet=st.sampled_from(list(" \t\n\x0b\r\x1c\x85\u2003\u3000abĐđ\u00a0ạắe\u0301\u0300\u0323Ω"
                                                    "\u2126\u212b\uf900\u0958\u0344\u1100\u1161\u11a8")), max_size=10)


@given(st.lists(st.one_of(st.none(), _MESSY_TEXT), min_size=1, max_size=30))
def test_csv_text_is_normalised_like_a_workbook_cell(cells):
    """CSV/Parquet text is normalised in C (Arrow); a workbook's cells one by one in Python.
    The same cells must give the same text, blanks and all."""
    import pyarrow as pa

    arrow = pd.Series(pd.arrays.ArrowStringArray(pa.array(cells, type=pa.large_string())))
    from_arrow, errors = parse_text(arrow)
    from_cells, _ = parse_text(pd.Series(cells, dtype=object))

    def plain(column):
        return [None if pd.isna(v) else v for v in column]

    assert plain(from_arrow) == plain(from_cells)
    assert errors.isna().all()


@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("H0~!\x7f \t\x1f\x0b\x85\u00a0ạ")), max_size=4)),
                min_size=1, max_size=30),
       st.sampled_from(["H1", "\u00e1 x"]), st.integers(0, 3), st.sampled_from(["string", "large_string"]))
def test_ids_left_as_they_are_by_the_byte_check_are_what_normalising_gives(cells, before, cut, arrow_type):
    """Plain ASCII ids skip normalising when their bytes say nothing can change; whatever the
    check decides, each cell must come out as the one-cell path gives it (slices included: a
    chunk of a CSV column starts inside its buffers)."""
    import pyarrow as pa

    from ngheo_cli.io.cells import _text_cell, normalise_arrow_text, normalised_text_column

    column = pa.array([before, *cells], type=getattr(pa, arrow_type)()).slice(1 + min(cut, len(cells) - 1))
    expected = [None if c is None or not c.strip() else _text_cell(c)[0] for c in column.to_pylist()]
    assert normalise_arrow_text(column).to_pylist() == expected
    assert normalised_text_column(column).to_pylist() == expected


def _long_column(values: list, layout: str, rng) -> list:
    """30,000-odd cells of a CSV column made of `values`: few of them shuffled, few of them in runs
    of equal neighbours (members under their household), or all distinct (ids, names)."""
    if layout == "few values, shuffled":
        return [rng.choice(values) for _ in range(30_000)]
    if layout == "few values, in runs":
        return [value for value in (rng.choice(values) for _ in range(8_000)) for _ in range(rng.randint(1, 5))]
    return [f"{rng.choice(values) or ''} H{n}" for n in range(30_000)]


@pytest.mark.parametrize("layout", ["few values, shuffled", "few values, in runs", "all distinct"])
def test_a_long_csv_column_is_normalised_cell_by_cell_alike_whichever_way_it_is_worked(layout):
    """A long Arrow column is normalised once per run of equal cells, then once per distinct
    value or value by value, as its first cells suggest; each way must give every cell what the
    one-cell path gives it."""
    import random

    import pyarrow as pa

    from ngheo_cli.io.cells import _text_cell, normalised_text_column

    messy = [" Tổ  1", "Tổ 1", "to\t2 ", "To\u0302\u0309 3", "\u3000", "", None, "Phường\u00a0Yên Hòa"]  # NFD, odd spaces
    cells = _long_column(messy, layout, random.Random(11))
    expected = [None if c is None or not c.strip() else _text_cell(c)[0] for c in cells]
    assert normalised_text_column(pa.array(cells, type=pa.large_string())).to_pylist() == expected


@pytest.mark.parametrize("layout", ["few values, shuffled", "few values, in runs", "all distinct"])
@pytest.mark.parametrize("late", [None, "Tổ\u00a0 9", "To\u0302\u0309 9", ""])
def test_a_clean_csv_column_comes_back_as_read_and_one_late_messy_cell_is_still_normalised(layout, late):
    """Names and wards already in NFC and spaced as they should be (most exports) come back as
    read, the reader's own chunks, nothing copied; one cell that needs normalising (odd spaces,
    NFD, a blank), far below the first rows that decide how the column is worked and in another
    chunk, is normalised all the same."""
    import random

    import pyarrow as pa

    from ngheo_cli.io.cells import _text_cell

    clean = ["Tổ 1", "Phường Yên Hòa", "Nguyễn Văn Ánh", "Đỗ Thị Hạnh", "Hà Nội"]
    cells = _long_column(clean, layout, random.Random(5))
    if late is not None:
        cells[-7] = late
    read = pa.chunked_array([pa.array(cells[:12_000], type=pa.large_string()),
                             pa.array(cells[12_000:], type=pa.large_string())])
    parsed, errors = parse_text(pd.Series(pd.arrays.ArrowStringArray(read)))
    expected = [None if not c.strip() else _text_cell(c)[0] for c in cells]
    assert [None if pd.isna(v) else v for v in parsed] == expected
    assert errors.isna().all()
    if late is None:
        assert parsed.array._pa_array is read


_PLAIN_WHOLE_NUMBER = st.from_regex(r"-?[0-9]{1,18}", fullmatch=True)  # up to three digits more than exact
_NOT_QUITE_PLAIN = st.one_of(
    st.text(alphabet="-0123456789./", max_size=6),  # what the cast refuses: "2.5", "3-", "-", ""
    st.sampled_from(["0x10", "0X1f", "+24", " 24", "24.0", "6 tháng", "1.000", "9007199254740993"]),
)


@given(st.lists(_PLAIN_WHOLE_NUMBER, max_size=40), st.lists(_NOT_QUITE_PLAIN, max_size=2), st.randoms(),
       st.integers(1, 4), st.sampled_from(["parse_age", "parse_int", "parse_year"]))
def test_plain_whole_numbers_read_in_one_pass_are_what_each_distinct_cell_gives(plain, odd, rng, chunks, parser):
    """A CSV column of nothing but plain whole numbers (a members sheet's ages) is read in one pass
    in C; every cell must come out, value and error, as the rules give it when each distinct cell
    is read on its own, whatever one or two odd cells are among them and wherever the chunks are cut."""
    import pyarrow as pa

    from ngheo_cli.io import cells as cell_parsers

    cells = plain + odd
    rng.shuffle(cells)
    if not cells:
        cells = ["0"]
    cut = [len(cells) * i // chunks for i in range(chunks + 1)]
    read = pa.chunked_array([pa.array(cells[a:b], type=pa.large_string()) for a, b in zip(cut, cut[1:])],
                            type=pa.large_string())
    raw = pd.Series(pd.arrays.ArrowStringArray(read))
    parse = getattr(cell_parsers, parser)
    values, errors = parse(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cell_parsers, "_plain_whole_numbers", lambda raw: None)
        each_distinct, each_errors = parse(raw)

    def as_list(column):
        return [None if pd.isna(v) else v for v in column]

    assert as_list(values) == as_list(each_distinct)
    assert as_list(errors) == as_list(each_errors)
    if not odd and all(len(c.lstrip("-")) <= 15 for c in cells):
        assert cell_parsers._plain_whole_numbers(raw) is not None  # (the one pass was taken)


def test_the_characters_that_can_change_under_nfc_are_this_pythons():
    """Text is NFC-normalised in C only where it holds one of these characters (RANGES, written
    into the code): they must be every one that can, for the Unicode of the Python running."""
    import unicodedata

    from ngheo_cli import nfc_quick_check

    if unicodedata.unidata_version != nfc_quick_check.UNICODE_VERSION:
        pytest.skip(f"RANGES is of Unicode {nfc_quick_check.UNICODE_VERSION}, this Python has "
                    f"{unicodedata.unidata_version}: regenerate it with python -m ngheo_cli.nfc_quick_check")
    assert nfc_quick_check.RANGES == nfc_quick_check.may_change()


def test_the_whitespace_folded_in_c_is_pythons():
    import sys

    from ngheo_cli.io.cells import SPACES

    assert sorted(SPACES) == [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]


@given(st.lists(st.one_of(st.none(), st.from_regex(r"[!-~]{1,5}", fullmatch=True)), min_size=1, max_size=30),
       st.lists(st.sampled_from(["", " ", "H 1", "\u00a0", "Hộ"]), max_size=1), st.randoms(), st.integers(1, 3))
def test_csv_ids_are_filled_where_they_are_there(ids, odd, rng, chunks):
    """A column of plain ASCII ids (checked off its bytes, without a pass per cell) is filled
    exactly where a cell is there; an empty, spaced or accented cell among them is seen as the
    workbook's cell would be."""
    import pyarrow as pa

    from ngheo_cli.frames import filled

    cells = ids + odd
    rng.shuffle(cells)
    cut = [len(cells) * i // chunks for i in range(chunks + 1)]
    read = pa.chunked_array([pa.array(cells[a:b], type=pa.large_string()) for a, b in zip(cut, cut[1:])],
                            type=pa.large_string())
    arrow = pd.DataFrame({0: pd.arrays.ArrowStringArray(read)})
    expected = [c is not None and bool(c.strip()) for c in cells]
    assert filled(arrow)[0].tolist() == expected == filled(pd.DataFrame({0: pd.Series(cells, dtype=object)}))[0].tolist()


@given(st.lists(st.one_of(st.none(), _MESSY_TEXT), min_size=1, max_size=30))
def test_blank_csv_cells_are_the_blank_workbook_cells(cells):
    """A cell of only spaces (of any kind) is blank, whether read from CSV (Arrow) or a workbook."""
    import pyarrow as pa

    from ngheo_cli.frames import filled

    arrow = pd.DataFrame({0: pd.arrays.ArrowStringArray(pa.array(cells, type=pa.large_string()))})
    expected = [c is not None and bool(c.strip()) for c in cells]
    assert filled(arrow)[0].tolist() == expected == filled(pd.DataFrame({0: pd.Series(cells, dtype=object)}))[0].tolist()


def test_a_whole_number_too_big_for_a_count_is_out_of_range_not_wrapped():
    values, errors = parse_int(pd.Series(["1e20", 1e20, "3", 2.5], dtype=object))
    assert [None if pd.isna(e) else e for e in errors] == ["out_of_range", "out_of_range", None, "not_an_integer"]
    assert values.isna().tolist() == [True, True, False, True] and values[2] == 3


@given(st.lists(st.one_of(st.none(), st.text(alphabet="=+-@ 'ab\tạ", max_size=4)), max_size=20), st.integers(1, 4),
       st.integers(0, 3))
def test_formula_like_text_is_escaped_alike_in_arrow_and_python_columns(cells, chunks, skip):
    """A CSV/Parquet roster (Arrow text, in blocks as read, or a slice of a bigger column) and a
    workbook's (Python text) get the same apostrophes."""
    import pyarrow as pa

    from ngheo_cli.io.writers import safe_text

    size = -(-len(cells) // chunks) or 1
    blocks = pa.chunked_array([pa.array(["=x"] * skip + cells[i:i + size], type=pa.large_string()).slice(skip)
                               for i in range(0, len(cells), size)], type=pa.large_string())
    arrow = pd.DataFrame({"t": pd.arrays.ArrowStringArray(blocks)})
    python = pd.DataFrame({"t": pd.Series(cells, dtype=object)})
    expected = [None if c is None else ("'" + c if c[:1] in ("=", "+", "-", "@") else c) for c in cells]
    for frame in (arrow, python):
        written = safe_text(frame)["t"]
        assert [None if pd.isna(v) else v for v in written] == expected
        assert [None if pd.isna(v) else v for v in frame["t"]] == cells  # the roster itself unchanged


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(alphabet='ab ,"\n', max_size=4)), st.integers(-5, 5)), max_size=40),
       st.integers(1, 7))
def test_a_csv_written_in_slices_reads_back_as_the_one_table(rows, slice_rows):
    """A city's roster is written as CSV slices made side by side: one header, every row once, in order."""
    import io

    import pyarrow as pa

    from ngheo_cli.io import writers

    frame = pd.DataFrame({
        "text": pd.arrays.ArrowStringArray(pa.array([r[0] for r in rows], type=pa.large_string())),
        "number": pd.array([r[1] for r in rows], dtype="Int64"),
    })
    whole = writers.csv_bytes(frame)
    saved = writers.CSV_SLICE_ROWS
    writers.CSV_SLICE_ROWS = slice_rows
    try:
        sliced = writers.csv_bytes(frame)
    finally:
        writers.CSV_SLICE_ROWS = saved
    assert sliced == whole
    assert _written_through_reused_buffers(frame, slice_rows) == whole
    back = pd.read_csv(io.BytesIO(sliced), dtype=str, keep_default_na=False)
    assert list(back.columns) == ["text", "number"]
    assert back["text"].tolist() == ["" if r[0] is None else r[0] for r in rows]
    assert back["number"].tolist() == [str(r[1]) for r in rows]


def _written_through_reused_buffers(frame: pd.DataFrame, slice_rows: int) -> bytes:
    """What writers.write_csv hands a file, piece by piece, each piece copied as it comes (its
    buffer is written again for a later slice once the call returns)."""
    from ngheo_cli.io import writers

    pieces: list[bytes] = []
    saved = writers.CSV_SLICE_ROWS
    writers.CSV_SLICE_ROWS = slice_rows
    try:
        writers.write_csv(frame, lambda piece: pieces.append(bytes(piece)))
    finally:
        writers.CSV_SLICE_ROWS = saved
    return b"".join(pieces)


def test_a_slice_bigger_than_the_reused_buffers_is_written_whole():
    """The roster's CSV is written through buffers sized from the table's average row; a slice of
    long texts with quotes in them (each doubled in CSV) does not fit, and must still be written
    whole, in its place, and the slices after it too."""
    import pyarrow as pa

    from ngheo_cli.io import writers

    texts = ["a"] * 40 + ['"' * 100_000 + "x" * 100_000] * 10 + ["b"] * 40  # the long ones: one slice of 10, 3 MB of CSV
    frame = pd.DataFrame({"text": pd.arrays.ArrowStringArray(pa.array(texts, type=pa.large_string())),
                          "number": pd.array(range(len(texts)), dtype="Int64")})
    whole = writers.csv_bytes(frame)
    assert _written_through_reused_buffers(frame, 10) == whole
    assert whole.count(b"\n") == len(texts) + 1


@pytest.mark.parametrize(("header", "multiplier"), [
    ("Thu nhập (1.000 đồng)", 1_000), ("Thu nhập (1.000đ/người/tháng)", 1_000), ("Thu nhập (nghìn đồng)", 1_000),
    ("Thu nhập (ngàn đ)", 1_000), ("Thu nhập (triệu đồng)", 1_000_000), ("Thu nhập (tr.đ)", 1_000_000),
    ("Thu nhập (đồng)", 1), ("Thu nhập (đồng/người/tháng)", 1), ("Thu nhập", 1), ("Thu nhập (trẻ em)", 1),
])
def test_the_unit_an_income_header_gives(header, multiplier):
    from ngheo_cli.io.cells import money_multiplier

    assert money_multiplier(header) == multiplier
