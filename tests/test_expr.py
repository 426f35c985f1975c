"""The criteria expression language: what it computes, and what it refuses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngheo_cli.errors import CriteriaError
from ngheo_cli.standards.expr import Context, Range, Scope, compile_expression

SCOPE = Scope(
    household_columns=frozenset({"house_type", "floor_area_m2", "members_count", "internet_use"}),
    member_columns=frozenset({"age", "health_insurance", "employment"}),
    numbers=frozenset({"limit"}),
    value_sets=frozenset({"bad_houses"}),
    series=frozenset({"line"}),
    ranges=frozenset({"income", "deprivation_count"}),
)


def context(categorical: bool = False) -> Context:
    """`categorical`: the category columns as validation gives them (pandas categoricals of
    their allowed values), else as text."""
    households = pd.DataFrame(
        {
            "house_type": pd.Series(["đơn sơ", "kiên cố", pd.NA], dtype="string"),
            "floor_area_m2": pd.Series([20.0, 40.0, pd.NA], dtype="Float64"),
            "members_count": pd.Series([3, 4, 2], dtype="Int64"),
            "internet_use": pd.Series([True, False, pd.NA], dtype="boolean"),
        }
    )
    members = pd.DataFrame(
        {
            "age": pd.Series([40, 5, 70, 30, 8], dtype="Int64"),
            "health_insurance": pd.Series([True, False, True, pd.NA, True], dtype="boolean"),
            "employment": pd.Series(["thất nghiệp", pd.NA, pd.NA, "tự làm", pd.NA], dtype="string"),
            "_household": [0, 0, 1, 1, 1],  # household 2 has no members
        }
    )
    if categorical:
        households["house_type"] = households["house_type"].astype(
            pd.CategoricalDtype(pd.Index(["kiên cố", "thiếu kiên cố", "đơn sơ"], dtype="string")))
        members["employment"] = members["employment"].astype(
            pd.CategoricalDtype(pd.Index(["tự làm", "làm công", "thất nghiệp"], dtype="string")))
    values = {
        "limit": 8.0,
        "bad_houses": frozenset({"đơn sơ", "thiếu kiên cố"}),
        "line": pd.Series([2e6, 2e6, 1.5e6]),
        "income": Range(pd.Series([2e6, 2e6 + 1, 0.0]), pd.Series([2e6, 2e6 + 1, np.inf])),
        "deprivation_count": Range(pd.Series([3.0, 2.0, 2.0]), pd.Series([3.0, 3.0, 2.0])),
    }
    return Context(households, members, values)


def evaluate(text: str, categorical: bool = False) -> list:
    return compile_expression(text, SCOPE).evaluate(context(categorical)).tolist()


def test_value_sets_and_missing_values():
    assert evaluate("house_type in bad_houses") == [True, False, pd.NA]
    assert evaluate("house_type not in {'kiên cố'}") == [True, False, pd.NA]


@pytest.mark.parametrize("text", [
    "house_type in bad_houses", "house_type not in {'kiên cố'}", "house_type == 'kiên cố'",
    "house_type != 'kiên cố'", "'đơn sơ' == house_type", "house_type == 'không có'", "house_type < 'l'",
    "any_member(employment == 'thất nghiệp')", "any_member(employment in {'tự làm'})",
    "all_members(employment != 'làm công')", "internet_use or house_type == 'kiên cố'",
])
def test_category_columns_coded_or_as_text_give_the_same_answers(text):
    """A missing category answer stays unknown (NA) in every comparison, coded or not."""
    assert evaluate(text, categorical=True) == evaluate(text)


def test_arithmetic_and_comparison():
    assert evaluate("floor_area_m2 / members_count < limit") == [True, False, pd.NA]


def test_kleene_logic_decides_when_the_missing_value_cannot_matter():
    assert evaluate("internet_use or house_type == 'kiên cố'") == [True, True, pd.NA]
    assert evaluate("not internet_use and floor_area_m2 > 30") == [False, True, pd.NA]


def test_member_aggregates():
    # household 0: aged 40 insured, aged 5 uninsured; household 1: 70 insured, 30 unknown, 8 insured
    assert evaluate("any_member(age >= 6 and not health_insurance)") == [False, pd.NA, pd.NA]
    assert evaluate("any_member(employment == 'thất nghiệp')") == [True, pd.NA, pd.NA]
    assert evaluate("all_members(age < 80)") == [True, True, pd.NA]
    counts = compile_expression("count_members(age < 16)", SCOPE).evaluate(context())
    assert counts[0] == 1 and counts[1] == 1 and pd.isna(counts[2])
    shares = compile_expression("share_of_members(age < 16)", SCOPE).evaluate(context())
    assert shares[0] == pytest.approx(0.5) and shares[1] == pytest.approx(1 / 3) and pd.isna(shares[2])


def test_members_not_counted_change_no_household():
    """validate_survey leaves rejected members (and those of rejected households) in place, marked
    -1: whatever their cells hold, every aggregate reads as if they were not there."""
    full = context()
    not_counted = pd.DataFrame({
        "age": pd.Series([3, pd.NA, 90], dtype="Int64"),  # a child, an unreadable age, the oldest
        "health_insurance": pd.Series([False, pd.NA, False], dtype="boolean"),
        "employment": pd.Series(["thất nghiệp", pd.NA, "tự làm"], dtype="string"),
        "_household": [-1, -1, -1],
    })
    for at in (0, 2, 5):  # first, among, after the counted ones
        members = pd.concat([full.members.iloc[:at], not_counted, full.members.iloc[at:]], ignore_index=True)
        mixed = Context(full.households, members, full.values)
        for text in ("any_member(age >= 6 and not health_insurance)", "any_member(employment == 'thất nghiệp')",
                     "all_members(age < 80)", "count_members(age < 16)", "share_of_members(age < 16)"):
            expression = compile_expression(text, SCOPE)
            assert expression.evaluate(mixed).tolist() == expression.evaluate(full).tolist(), (text, at)


_MEMBER = st.tuples(st.integers(-1, 4), st.sampled_from([True, False, None]))  # (household, its answer)


@settings(max_examples=200, deadline=None)
@given(st.lists(_MEMBER, max_size=25))
def test_member_aggregates_are_each_households_three_valued_answer(members):
    """any_member, all_members, count_members and share_of_members against a plain loop over each
    household's counted members (household -1: not counted): a member whose answer is unknown
    leaves "any" unknown unless another says yes, "all" unknown unless another says no, and the
    count and share unknown; a household without members has no answer."""
    households = pd.DataFrame({"members_count": pd.Series([1] * 5, dtype="Int64")})
    frame = pd.DataFrame({
        "health_insurance": pd.Series([answer for _, answer in members], dtype="boolean"),
        "_household": np.array([household for household, _ in members], dtype=np.int64),
    })
    context_ = Context(households, frame, {})
    for household in range(5):
        answers = [answer for at, answer in members if at == household]
        known_true, unknown = answers.count(True), answers.count(None)
        expected = {
            "any_member": pd.NA if not answers or (not known_true and unknown) else known_true > 0,
            "all_members": pd.NA if not answers or (False not in answers and unknown) else False not in answers,
            "count_members": pd.NA if not answers or unknown else known_true,
            "share_of_members": pd.NA if not answers or unknown else known_true / len(answers),
        }
        for function, wanted in expected.items():
            got = compile_expression(f"{function}(health_insurance)", SCOPE).evaluate(context_).iloc[household]
            assert (pd.isna(got) and pd.isna(wanted)) or (not pd.isna(got) and got == wanted), (function, household)


@pytest.mark.parametrize("wanted", [0, 1, 3, 8, 9, 12])
def test_in_a_value_set_of_any_size_as_python_tells_it(wanted):
    """`in` over a category column compares its codes with each wanted one (up to eight), else
    looks them up: both as Python's `in` says, missing cells unknown."""
    names = [f"loại {i}" for i in range(12)]
    cells = [names[i % 12] if i % 5 else None for i in range(60)]
    column = pd.Series(cells, dtype=pd.CategoricalDtype(pd.Index(names, dtype="string")))
    households = pd.DataFrame({"house_type": column})
    allowed = frozenset(names[:wanted])
    context_ = Context(households, pd.DataFrame({"_household": np.zeros(0, dtype=np.int64)}), {"bad_houses": allowed})
    got = compile_expression("house_type in bad_houses", SCOPE).evaluate(context_).tolist()
    assert got == [pd.NA if cell is None else cell in allowed for cell in cells]


_COMPLETE_MEMBER = st.tuples(st.integers(0, 2), st.integers(0, 90), st.booleans(), st.sampled_from(["tự làm", "làm công"]))


@settings(max_examples=100, deadline=None)
@given(st.lists(_COMPLETE_MEMBER, max_size=15))
def test_complete_members_are_worked_out_as_the_three_valued_logic_does(members):
    """A members sheet with no missing cell is worked out in plain yes/no (no masks): as the
    three-valued logic works it out, which one more member with every cell missing, counted in no
    household, makes the evaluator use."""
    complete = pd.DataFrame({
        "age": pd.Series([m[1] for m in members], dtype="Int64"),
        "health_insurance": pd.Series([m[2] for m in members], dtype="boolean"),
        "employment": pd.Series([m[3] for m in members], dtype="string"),
        "_household": np.array([m[0] for m in members], dtype=np.int64),
    })
    blank = pd.DataFrame({"age": pd.Series([pd.NA], dtype="Int64"), "health_insurance": pd.Series([pd.NA], dtype="boolean"),
                          "employment": pd.Series([pd.NA], dtype="string"), "_household": np.array([-1])})
    full = context()
    with_blank = pd.concat([complete, blank], ignore_index=True)
    for text in ("any_member(age >= 6 and not health_insurance)", "all_members(16 <= age and age <= 60 or health_insurance)",
                 "count_members(not (age < 16 or age > 60) and employment in {'làm công'})",
                 "share_of_members(age != 30 and not (health_insurance or age == 5))"):
        expression = compile_expression(text, SCOPE)
        plain = expression.evaluate(Context(full.households, complete, full.values)).tolist()
        assert plain == expression.evaluate(Context(full.households, with_blank, full.values)).tolist(), text


def test_ranges_compare_over_the_whole_bracket():
    assert evaluate("income <= line") == [True, False, pd.NA]
    assert evaluate("income > line") == [False, True, pd.NA]
    assert evaluate("deprivation_count >= 3") == [True, pd.NA, False]
    assert evaluate("deprivation_count < 3") == [False, pd.NA, True]
    assert evaluate("3 <= deprivation_count") == [True, pd.NA, False]
    assert evaluate("deprivation_count == 2") == [False, pd.NA, True]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("house_type.__class__", "not allowed"),
        ("__import__('os')", "unknown function"),
        ("open('/etc/passwd')", "unknown function"),
        ("eval('1')", "unknown function"),
        ("(lambda: 1)()", "unknown function"),
        ("lambda x: x", "not allowed"),
        ("[x for x in house_type]", "not allowed"),
        ("{x for x in bad_houses}", "not allowed"),
        ("house_type[0]", "not allowed"),
        ("9 ** 9 ** 9", "operator 'Pow'"),
        ("members_count // 2", "operator 'FloorDiv'"),
        ("_secret", "not allowed"),
        ("f'{house_type}'", "not allowed"),
        ("house_type if internet_use else 1", "not allowed"),
        ("(x := 1)", "not allowed"),
        ("unknown_column > 1", "unknown name 'unknown_column'"),
        ("age > 5", "member column"),
        ("any_member(house_type == 'x')", "household column"),
        ("any_member(any_member(age > 1))", "cannot be nested"),
        ("any_member(age > 1, age < 2)", "takes one condition"),
        ("house_type in house_type", "value set"),
        ("income <=", "syntax error"),
        ("", "empty"),
    ],
)
def test_unsafe_or_wrong_expressions_are_refused(text, fragment):
    with pytest.raises(CriteriaError) as error:
        compile_expression(text, SCOPE)
    assert fragment in error.value.message


def test_deeply_nested_and_huge_expressions_are_refused():
    with pytest.raises(CriteriaError):
        compile_expression("-" * 100 + "1", SCOPE)
    with pytest.raises(CriteriaError):
        compile_expression(" + ".join(["1"] * 100), SCOPE)
    with pytest.raises(CriteriaError):
        compile_expression("not " * 5000 + "internet_use", SCOPE)


def test_refusal_points_at_the_position():
    with pytest.raises(CriteriaError) as error:
        compile_expression("house_type in bad_houses and foo > 1", SCOPE)
    assert "column 30" in error.value.message
