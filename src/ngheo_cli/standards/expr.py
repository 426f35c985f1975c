"""The criteria expression language: small, safe, vectorised.

An expression is parsed once with Python's `ast` and compiled into a tree of the few node
kinds below; anything else (attributes, subscripts, calls other than the member aggregates,
lambdas, comprehensions, `**`) is refused at load time with its position. Nothing is ever
passed to `eval`. Evaluation works on whole columns with three-valued logic: a missing value
is NA, `and`/`or` follow Kleene's rules, so a household with 3 indicators deprived and 1
missing is still ">= 3", while one with 2 deprived and 1 missing is undetermined.

`income` and `deprivation_count` are Ranges (a low and a high bound per household): exact
for most households, a bracket for a B1-score-only household or one with missing indicators.
A comparison with a Range is true when it holds over the whole bracket, false when it fails
over the whole bracket, and NA otherwise.

Grammar (Python syntax, a subset):
    expr     := expr or expr | expr and expr | not expr | comparison
    compare  := sum (< <= > >= == != in, not in) sum ...
    sum      := sum (+ - * /) sum | -sum | atom
    atom     := number | 'string' | name | {'a', 'b'} | aggregate(expr)
    aggregate:= any_member | all_members | count_members | share_of_members
Inside an aggregate, names are member columns; outside, household columns.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

import numpy as np
import pandas as pd

from ngheo_cli.errors import CriteriaError
from ngheo_cli.frames import category_as_text, is_number

HOUSEHOLD_POSITION = "_household"  # Context.members' column: each member's household row (-1: not counted)

MAX_LENGTH = 2000
MAX_DEPTH = 40
AGGREGATES = ("any_member", "all_members", "count_members", "share_of_members")
_CONSTANTS = {"true": True, "false": False, "True": True, "False": False}


@dataclass
class Range:
    """Per-household bounds of a quantity: lo <= value <= hi (floats, no NA)."""

    lo: pd.Series
    hi: pd.Series


@dataclass(frozen=True)
class Scope:
    """What names mean in one expression."""

    household_columns: frozenset[str]
    member_columns: frozenset[str]
    numbers: frozenset[str]  # parameters: scalars
    value_sets: frozenset[str]
    series: frozenset[str] = frozenset()  # per-household values computed by the engine (lines, indicators)
    ranges: frozenset[str] = frozenset()  # income, deprivation_count


@dataclass
class Context:
    """The data an expression is evaluated over."""

    households: pd.DataFrame
    members: pd.DataFrame  # with integer column HOUSEHOLD_POSITION = position in households (-1: not counted)
    values: dict[str, Any]  # parameters, value sets, lines, ranges, indicators

    @cached_property
    def member_slots(self) -> np.ndarray:
        """Each member's household row, for np.bincount with one slot more than there are
        households: members not counted (rejected, or of a rejected household) go to that last
        slot. validate_survey leaves them in place rather than copy a city's members without them."""
        positions = self.members[HOUSEHOLD_POSITION].to_numpy()
        return np.where(positions < 0, len(self.households), positions) if (positions < 0).any() else positions

    @cached_property
    def members_per_household(self) -> np.ndarray:
        """Each household's members counted (every aggregate needs it: counted once)."""
        return np.bincount(self.member_slots, minlength=len(self.households) + 1)[: len(self.households)]


class Expression:
    def __init__(self, text: str, node: "_Node", names: set[str]) -> None:
        self.text = text
        self._node = node
        self.names = names  # every name it reads, for checks such as "indicator used by no rule"

    def evaluate(self, context: Context) -> Any:
        return self._node.eval(context, member_level=False)

    def evaluate_bool(self, context: Context) -> pd.Series:
        value = self.evaluate(context)
        n = len(context.households)
        if isinstance(value, (bool, np.bool_)):
            return pd.Series(bool(value), index=context.households.index, dtype="boolean")
        if isinstance(value, pd.Series) and value.dtype == "boolean" and len(value) == n:
            return value
        raise CriteriaError(f"'{self.text}' does not give yes/no for each household")


def compile_expression(text: str, scope: Scope) -> Expression:
    if not isinstance(text, str) or not text.strip():
        raise CriteriaError("an expression is empty")
    if len(text) > MAX_LENGTH:
        raise CriteriaError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f"at column {exc.offset}" if exc.offset else "at the end"
        raise CriteriaError(f"syntax error {where}: {exc.msg} in '{text}'") from exc
    except (RecursionError, MemoryError, ValueError) as exc:
        raise CriteriaError(f"expression too deeply nested: '{text[:60]}…'") from exc
    names: set[str] = set()
    node = _Compiler(text, scope, names).build(tree.body, depth=0, member_level=False)
    return Expression(text, node, names)


# --- nodes --------------------------------------------------------------------------------


class _Node:
    def eval(self, ctx: Context, member_level: bool) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class _Const(_Node):
    value: Any

    def eval(self, ctx: Context, member_level: bool) -> Any:
        return self.value


@dataclass
class _Name(_Node):
    name: str
    kind: str  # household | member | value

    def eval(self, ctx: Context, member_level: bool) -> Any:
        if self.kind == "household":
            return ctx.households[self.name]
        if self.kind == "member":
            return ctx.members[self.name]
        return ctx.values[self.name]


@dataclass
class _Not(_Node):
    operand: _Node

    def eval(self, ctx: Context, member_level: bool) -> Any:
        value = self.operand.eval(ctx, member_level)
        if isinstance(value, bool):
            return not value
        known = _known_values(value)
        return _all_known(np.logical_not(known), value.index) if known is not None else ~_as_bool(value)


@dataclass
class _Neg(_Node):
    operand: _Node

    def eval(self, ctx: Context, member_level: bool) -> Any:
        return -self.operand.eval(ctx, member_level)


@dataclass
class _Bool(_Node):
    op: str  # and | or
    operands: list[_Node]

    def eval(self, ctx: Context, member_level: bool) -> Any:
        values = [self.operand_value(o, ctx, member_level) for o in self.operands]
        known = [_known_values(value) for value in values]
        if all(k is not None for k in known):  # (none missing: plain logic, no masks to combine)
            combine = np.logical_and if self.op == "and" else np.logical_or
            result = combine(known[0], known[1])
            for more in known[2:]:
                combine(result, more, out=result)
            return _all_known(result, values[0].index)
        result = values[0]
        for value in values[1:]:
            result = (result & value) if self.op == "and" else (result | value)
        return result

    @staticmethod
    def operand_value(node: _Node, ctx: Context, member_level: bool) -> Any:
        value = node.eval(ctx, member_level)
        return value if isinstance(value, bool) else _as_bool(value)


_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_ORDER = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE, ast.Eq: ast.Eq, ast.NotEq: ast.NotEq}


@dataclass
class _Arith(_Node):
    op: type
    left: _Node
    right: _Node

    def eval(self, ctx: Context, member_level: bool) -> Any:
        left, right = self.left.eval(ctx, member_level), self.right.eval(ctx, member_level)
        if isinstance(left, Range) or isinstance(right, Range):
            raise CriteriaError("income and deprivation_count can only be compared, not computed with")
        if self.op is ast.Div and isinstance(right, pd.Series):
            right = right.astype("Float64").mask(right == 0)  # x / 0 is missing, not infinite
        return _ARITHMETIC[self.op](left, right)


@dataclass
class _Compare(_Node):
    ops: list[type]
    operands: list[_Node]

    def eval(self, ctx: Context, member_level: bool) -> Any:
        values = [o.eval(ctx, member_level) for o in self.operands]
        result: Any = True
        for op, left, right in zip(self.ops, values, values[1:]):
            part = _compare(op, left, right)
            result = part if result is True else (result & part)
        return result


@dataclass
class _Aggregate(_Node):
    function: str
    condition: _Node

    def eval(self, ctx: Context, member_level: bool) -> Any:
        n = len(ctx.households)
        codes, size = ctx.member_slots, ctx.members_per_household  # (the last slot: members not counted)
        value = self.condition.eval(ctx, member_level=True)
        if isinstance(value, bool):
            value = pd.Series(value, index=ctx.members.index, dtype="boolean")
        condition = _as_bool(value)
        # counted over the members where it holds (weights would make a float copy of every row)
        true = np.bincount(codes[condition.to_numpy(dtype=bool, na_value=False)], minlength=n + 1)[:n]
        unknown = (np.bincount(codes[condition.isna().to_numpy()], minlength=n + 1)[:n] if condition.hasnans
                   else None)  # (members for whom it cannot be told, per household; None: none anywhere)
        some_unknown = None if unknown is None else unknown > 0
        no_members = size == 0
        # yes/no per household from these counts, as masks of a byte per household (not 64-bit
        # codes); the masked arrays built whole (Series.mask copies both of their parts)
        if self.function == "any_member":
            holds = true > 0  # (some member: yes, whatever the others)
            undecided = no_members if some_unknown is None else (some_unknown & ~holds) | no_members
        elif self.function == "all_members":
            fails = true < size if unknown is None else true + unknown < size  # (some member: no)
            holds = ~fails & ~no_members if some_unknown is None else ~fails & ~some_unknown & ~no_members
            undecided = no_members if some_unknown is None else (some_unknown & ~fails) | no_members
        else:
            numbers = true if self.function == "count_members" else true / np.maximum(size, 1)
            undecided = no_members if some_unknown is None else some_unknown | no_members
            return pd.Series(pd.arrays.FloatingArray(numbers.astype("float64"), undecided), index=ctx.households.index,
                             copy=False)
        return pd.Series(pd.arrays.BooleanArray(holds & ~undecided, undecided), index=ctx.households.index, copy=False)


def _known_values(value: Any, kinds: tuple = (pd.arrays.BooleanArray,)) -> np.ndarray | None:
    """The numpy data of a yes/no column (of `kinds`: _NUMBERS for a number column) none of whose
    cells is missing (no copy); None for anything else. Member-level conditions over a complete
    members sheet are then worked out without the masks of three-valued logic (each operation on
    a city's members made two arrays of 3,500,000, one of them a mask of nothing missing). Read
    through pandas' masked arrays' own fields (_data, _hasna: not public, stable since pandas
    1.0; tests/test_expr.py checks this path against the three-valued one)."""
    if isinstance(value, pd.Series) and isinstance(value.array, kinds) and not value.array._hasna:
        return value.array._data
    return None


_NUMBERS = (pd.arrays.IntegerArray, pd.arrays.FloatingArray)  # (whole numbers or not)


_NUMPY_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
                  ast.Eq: np.equal, ast.NotEq: np.not_equal}


def _all_known(data: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.BooleanArray(data, np.zeros(len(data), dtype=bool)), index=index, copy=False)


def _as_bool(value: Any) -> pd.Series:
    if isinstance(value, pd.Series) and value.dtype == "boolean":
        return value
    if isinstance(value, pd.Series) and value.dtype == bool:
        return value.astype("boolean")
    raise CriteriaError("a yes/no value was expected where a number or text was given")


def _compare(op: type, left: Any, right: Any) -> Any:
    if op in (ast.In, ast.NotIn):
        if not isinstance(right, frozenset):
            raise CriteriaError("'in' needs a value set on its right, such as {'a', 'b'}")
        inside = _isin(left, right)
        return inside if op is ast.In else ~inside
    if op in (ast.Eq, ast.NotEq) and isinstance(right, str) and _is_categorical(left):
        inside = _isin(left, frozenset([right]))  # (a categorical's == says False, not NA, where missing)
        return inside if op is ast.Eq else ~inside
    left, right = category_as_text(left), category_as_text(right)  # (other comparisons: rare)
    if isinstance(left, Range):
        return _compare_range(op, left, right)
    if isinstance(right, Range):
        return _compare_range(_FLIP[op], right, left)
    if is_number(right) and (known := _known_values(left, _NUMBERS)) is not None:  # ("age >= 16" over complete ages)
        return _all_known(_NUMPY_COMPARE[op](known, right), left.index)
    if is_number(left) and (known := _known_values(right, _NUMBERS)) is not None:
        return _all_known(_NUMPY_COMPARE[_FLIP[op]](known, left), right.index)
    if op is ast.Eq:
        result = left == right
    elif op is ast.NotEq:
        result = left != right
    else:
        result = _ORDER[op](left, right)
    if isinstance(result, pd.Series) and result.dtype != "boolean":
        result = result.astype("boolean")
    return result


def _is_categorical(value: Any) -> bool:
    return isinstance(value, pd.Series) and isinstance(value.dtype, pd.CategoricalDtype)


def _isin(values: Any, allowed: frozenset) -> pd.Series:
    """Membership tested once per distinct value (pandas' isin on text is slow per row); a
    category column is already coded: its few allowed values are looked at, not its rows."""
    if not isinstance(values, pd.Series):
        raise CriteriaError("'in' needs a column on its left")
    if _is_categorical(values):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    wanted = np.flatnonzero(np.asarray([u in allowed for u in uniques], dtype=bool))
    if len(wanted) <= _COMPARED_CODES:  # a comparison per wanted code (numpy's lookup through a category's
        inside, scratch = np.zeros(len(codes), dtype=bool), np.empty(len(codes), dtype=bool)  # one-byte codes widens
        for code in wanted:  # each code first: five times the cost)
            inside |= np.equal(codes, code, out=scratch)
    else:
        inside = np.isin(codes, wanted)
    return pd.Series(pd.arrays.BooleanArray(inside, codes < 0), index=values.index, copy=False)  # (not .mask: a copy)


_COMPARED_CODES = 8


def _compare_range(op: type, value: Range, other: Any) -> pd.Series:
    other = other.astype("float64") if isinstance(other, pd.Series) else float(other)
    lo, hi = value.lo, value.hi
    if op is ast.NotEq:
        return ~_compare_range(ast.Eq, value, other)
    if op is ast.Eq:
        true = (lo == other) & (hi == other)
        false = (other < lo) | (other > hi)
    else:
        compare = _ORDER[op]
        at_lo, at_hi = compare(lo, other), compare(hi, other)
        true, false = at_lo & at_hi, ~at_lo & ~at_hi
    true, false = true.to_numpy(dtype=bool), false.to_numpy(dtype=bool)
    # True where the whole range passes, False where none of it does (that wins), else unknown;
    # built as one masked array (two masked assignments into an all-NA column cost ten times more)
    return pd.Series(pd.arrays.BooleanArray(true & ~false, ~(true | false)), index=lo.index, copy=False)


# --- compiler -------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, text: str, scope: Scope, names: set[str]) -> None:
        self.text = text
        self.scope = scope
        self.names = names

    def fail(self, node: ast.AST, message: str) -> CriteriaError:
        column = getattr(node, "col_offset", 0) + 1
        return CriteriaError(f"{message} (column {column} of '{self.text}')")

    def build(self, node: ast.AST, depth: int, member_level: bool) -> _Node:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression nested more than {MAX_DEPTH} levels")
        d = depth + 1
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return _Bool(op, [self.build(v, d, member_level) for v in node.values])
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand, d, member_level)
            if isinstance(node.op, ast.Not):
                return _Not(operand)
            if isinstance(node.op, ast.USub):
                return _Neg(operand)
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            return _Arith(type(node.op), self.build(node.left, d, member_level), self.build(node.right, d, member_level))
        if isinstance(node, ast.Compare):
            ops = [type(o) for o in node.ops]
            if any(o not in _ORDER and o not in (ast.Eq, ast.NotEq, ast.In, ast.NotIn) for o in ops):
                raise self.fail(node, "only < <= > >= == != in 'not in' compare values")
            operands = [self.build(node.left, d, member_level)]
            for op, comparator in zip(ops, node.comparators):
                if op in (ast.In, ast.NotIn):
                    operands.append(self.value_set(comparator))
                else:
                    operands.append(self.build(comparator, d, member_level))
            return _Compare(ops, operands)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, str, bool):
            return _Const(node.value)
        if isinstance(node, ast.Name):
            return self.name(node, member_level)
        if isinstance(node, ast.Call):
            return self.call(node, d, member_level)
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            raise self.fail(node, "a value set can only stand on the right of 'in'")
        if isinstance(node, ast.BinOp):
            raise self.fail(node, f"operator '{type(node.op).__name__}' is not allowed (only + - * /)")
        raise self.fail(node, f"'{ast.unparse(node)[:40]}' is not allowed in a criteria expression")

    def value_set(self, node: ast.AST) -> _Node:
        if isinstance(node, ast.Name) and node.id in self.scope.value_sets:
            self.names.add(node.id)
            return _Name(node.id, "value")
        if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
            items = []
            for element in node.elts:
                if not (isinstance(element, ast.Constant) and type(element.value) in (int, float, str)):
                    raise self.fail(element, "a value set holds only numbers and quoted text")
                items.append(element.value)
            return _Const(frozenset(items))
        raise self.fail(node, "'in' needs a value set: a name from value_sets or {'a', 'b'}")

    def name(self, node: ast.Name, member_level: bool) -> _Node:
        name = node.id
        if name in _CONSTANTS:
            return _Const(_CONSTANTS[name])
        self.names.add(name)
        scope = self.scope
        if name.startswith("_"):
            raise self.fail(node, f"name '{name}' is not allowed")
        if member_level:
            if name in scope.member_columns:
                return _Name(name, "member")
            if name in scope.numbers:
                return _Name(name, "value")
            if name in scope.household_columns:
                raise self.fail(node, f"'{name}' is a household column; use it outside the member aggregate")
            raise self.fail(node, f"unknown member column or parameter '{name}'")
        if name in scope.household_columns:
            return _Name(name, "household")
        if name in scope.numbers or name in scope.series or name in scope.ranges:
            return _Name(name, "value")
        if name in scope.value_sets:
            raise self.fail(node, f"value set '{name}' can only stand on the right of 'in'")
        if name in scope.member_columns:
            raise self.fail(node, f"'{name}' is a member column; use it inside any_member(...) or another aggregate")
        raise self.fail(node, f"unknown name '{name}'")

    def call(self, node: ast.Call, depth: int, member_level: bool) -> _Node:
        if not isinstance(node.func, ast.Name) or node.func.id not in AGGREGATES:
            raise self.fail(node, f"unknown function; the functions are {', '.join(AGGREGATES)}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise self.fail(node, f"{node.func.id}() takes one condition on members")
        if member_level:
            raise self.fail(node, "member aggregates cannot be nested")
        if not self.scope.member_columns:
            raise self.fail(node, f"{node.func.id}() cannot be used here")
        return _Aggregate(node.func.id, self.build(node.args[0], depth, member_level=True))
