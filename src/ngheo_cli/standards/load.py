"""Finding, loading and checking criteria files.

`load_standard` returns a CompiledStandard: the validated model plus every expression compiled.
All problems in a file are collected and raised together, each with its key path and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import ValidationError

from ngheo_cli.choices import DEFAULT_STANDARD
from ngheo_cli.errors import CriteriaError
from ngheo_cli.schema import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from ngheo_cli.standards.model import Standard

if TYPE_CHECKING:  # (the expressions load pandas: `ngheo standards list` needs only the models)
    from ngheo_cli.standards.expr import Expression

# Names the engine provides to class rules.
RANGES = frozenset({"income", "deprivation_count"})
MEMBER_NAMES = frozenset(c.id for c in MEMBER_COLUMNS)


@dataclass
class CompiledStandard:
    model: Standard
    path: Path
    derivations: dict[str, Expression]  # indicator id -> derivation (absent: direct answer only)
    rules: list[Expression]  # same order as model.classes

    @property
    def id(self) -> str:
        return self.model.id


def builtin_dir() -> Path:
    """criteria/ inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "criteria", package.parent.parent / "criteria"):
        if candidate.is_dir():
            return candidate
    raise CriteriaError("the built-in criteria folder is missing from this installation", "reinstall ngheo-cli")


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def builtin_ids_for_year(year: int) -> list[str]:
    """The built-in standards that apply to a review year (by their validity dates)."""
    return [standard_id for standard_id in builtin_ids()
            if load_model(standard_id)[0].applies_to(year)]  # (not compiled: no pandas)


def resolve(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise CriteriaError(f"{name_or_path}: no such criteria file")
        return path
    candidate = builtin_dir() / f"{name_or_path}.yaml"
    if not candidate.is_file():
        raise CriteriaError(
            f"unknown standard '{name_or_path}'",
            f"built-in standards: {', '.join(builtin_ids())}; or give a path to a .yaml file",
        )
    return candidate


def load_model(name_or_path: str = DEFAULT_STANDARD) -> tuple[Standard, Path, KeyLines]:
    """A criteria file read and checked against the model (its `base` merged in), not compiled:
    the model, its path and the line of each key."""
    path = resolve(name_or_path)
    data, lines = read_yaml_mapping(path)
    data = _with_base(data, path, seen=(path.resolve(),))
    try:
        return Standard.model_validate(data), path, lines
    except ValidationError as exc:
        raise CriteriaError(format_validation(path, exc, lines)) from exc


def load_standard(name_or_path: str = DEFAULT_STANDARD) -> CompiledStandard:
    from ngheo_cli.standards.lint import unreachable_rules, unused_indicators

    model, path, lines = load_model(name_or_path)
    problems: list[str] = []
    derivations, rules = _compile(model, problems, lines)
    problems.extend(_check_references(model, lines))
    if not problems:  # the rules compiled: see whether each can ever apply
        for index in unreachable_rules(model, rules):
            problems.append(f"{_where(('classes', index, 'when'), lines)}: this rule can never apply: "
                            "the rules before it already decide every household it covers")
        for indicator_id in unused_indicators(model, rules):
            i = model.indicator_ids().index(indicator_id)
            problems.append(f"{_where(('indicators', i, 'id'), lines)}: indicator '{indicator_id}' is used by no "
                            "class rule (no rule reads it or deprivation_count)")
    if problems:
        raise CriteriaError(f"{path}: {len(problems)} problem(s)\n" + "\n".join(f"  {p}" for p in problems))
    return CompiledStandard(model, path, derivations, rules)


# libyaml's safe loader when PyYAML was built with it (ten times faster), else the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_mapping(path: Path) -> tuple[dict, KeyLines]:
    """A YAML file that must be a mapping, and the line number of each key path in it (worked
    out when a message first needs one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CriteriaError(f"{path}: cannot read it ({exc.strerror})") from exc
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise CriteriaError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise CriteriaError(f"{path}: a criteria file is a YAML mapping (key: value lines)")
    return data, KeyLines(text)


def _with_base(data: dict, path: Path, seen: tuple[Path, ...]) -> dict:
    """`extends: ID-or-path`: every top-level key this file does not write comes from the base."""
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    base_path = resolve(str(base_name)) if not str(base_name).endswith((".yaml", ".yml")) else path.parent / str(base_name)
    if base_path.resolve() in seen:
        raise CriteriaError(f"{path}: 'extends' makes a loop through {base_path}")
    try:
        base = yaml.load(base_path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise CriteriaError(f"{path}: cannot read the standard it extends, {base_path}: {exc}") from exc
    base = _with_base(base, base_path, seen + (base_path.resolve(),))
    return base | data


def _compile(model: Standard, problems: list[str], lines: KeyLines) -> tuple[dict[str, Expression], list[Expression]]:
    from ngheo_cli.standards.expr import Scope, compile_expression

    household_columns = frozenset(c.id for c in HOUSEHOLD_COLUMNS)
    numbers = frozenset(model.parameters)
    value_sets = frozenset(model.value_sets)
    indicator_scope = Scope(household_columns, MEMBER_NAMES, numbers, value_sets)
    rule_scope = Scope(
        household_columns, frozenset(), numbers, value_sets,
        series=frozenset(model.income_lines) | frozenset(model.indicator_ids()), ranges=RANGES,
    )
    derivations: dict[str, Expression] = {}
    for i, indicator in enumerate(model.indicators):
        if indicator.derive is None:
            continue
        key = ("indicators", i, "derive")
        try:
            derivations[indicator.id] = compile_expression(indicator.derive, indicator_scope)
        except CriteriaError as exc:
            problems.append(f"{_where(key, lines)} (indicator {indicator.id}): {exc.message}")
    rules = []
    for i, rule in enumerate(model.classes):
        key = ("classes", i, "when")
        try:
            rules.append(compile_expression(rule.when, rule_scope))
        except CriteriaError as exc:
            problems.append(f"{_where(key, lines)} (class {rule.class_}): {exc.message}")
    return derivations, rules


def _check_references(model: Standard, lines: KeyLines) -> list[str]:
    problems = []
    dimensions = {d.id for d in model.dimensions}
    seen: set[str] = set()
    for i, indicator in enumerate(model.indicators):
        if indicator.dimension not in dimensions:
            problems.append(f"{_where(('indicators', i, 'dimension'), lines)}: unknown dimension "
                            f"'{indicator.dimension}' (dimensions: {', '.join(sorted(dimensions))})")
        if indicator.id in seen:
            problems.append(f"{_where(('indicators', i, 'id'), lines)}: indicator '{indicator.id}' defined twice")
        seen.add(indicator.id)
    for name in model.score_lines:
        if name not in model.income_lines:
            problems.append(f"{_where(('score_lines', name), lines)}: score line '{name}' has no income line of that name")
    columns = {c.id: c for c in HOUSEHOLD_COLUMNS + MEMBER_COLUMNS}
    for name, value_set in model.value_sets.items():
        spec = columns.get(value_set.column)
        if spec is None or spec.categories is None:
            problems.append(f"{_where(('value_sets', name, 'column'), lines)}: '{value_set.column}' is not a category column")
            continue
        for j, value in enumerate(value_set.values):
            if value not in spec.categories.values:
                problems.append(f"{_where(('value_sets', name, 'values', j), lines)}: '{value}' is not a value of "
                                f"{value_set.column} ({', '.join(spec.categories.values)})")
    if model.classes and model.classes[-1].when.strip().lower() != "true":
        problems.append(f"{_where(('classes', len(model.classes) - 1, 'when'), lines)}: the last class rule must be "
                        "`when: \"true\"`, so that every household gets a class")
    return problems


# --- line numbers for key paths -------------------------------------------------------------


class KeyLines:
    """Key path -> line of a YAML file, for messages: composed from the text when first asked.
    Most loads need none (a valid file), and composing costs more than loading: about 0.02 s a
    file, 0.1 s of every run in a year that the default standard does not cover, when the
    built-in standards are read for the one that does."""

    def __init__(self, text: str) -> None:
        self._text, self._lines = text, None

    def _numbers(self) -> dict[tuple, int]:
        if self._lines is None:
            self._lines = _line_numbers(self._text)
        return self._lines

    def __contains__(self, path: tuple) -> bool:
        return path in self._numbers()

    def get(self, path: tuple, default: int | None = None) -> int | None:
        return self._numbers().get(path, default)


def _line_numbers(text: str) -> dict[tuple, int]:
    """Key path (as pydantic reports it) -> 1-based line number in the YAML file."""
    lines: dict[tuple, int] = {}

    def walk(node: yaml.Node, path: tuple) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                walk(value, child)
                lines[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    root = yaml.compose(text, Loader=_LOADER)
    if root is not None:
        walk(root, ())
    return lines


def _where(path: tuple, lines: KeyLines) -> str:
    probe = path
    while probe and probe not in lines:
        probe = probe[:-1]
    line = lines.get(probe)
    dotted = ".".join(str(p) for p in path) or "(top)"
    return f"{dotted} (line {line})" if line else dotted


def format_validation(path: Path, exc: ValidationError, lines: KeyLines) -> str:
    rows = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        rows.append((lines.get(loc, 0), f"  {_where(loc, lines)}: {message}"))
    rows = [text for _, text in sorted(rows, key=lambda r: r[0])]  # in file order
    return f"{path}: {len(rows)} problem(s)\n" + "\n".join(rows)
