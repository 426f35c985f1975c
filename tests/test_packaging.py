"""What pyproject.toml promises about the libraries ngheo needs is what was tested.

Each dependency's lower bound is a version the suite passed with (.ci/lowest.txt pins them, and
`pip install -c .ci/lowest.txt '.[test]'` runs the suite on exactly those): a bound lower than
what was tested lets pip keep an old library in a user's environment, where ngheo can misread
numbers or Vietnamese text (the file says which)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOWEST = ROOT / ".ci" / "lowest.txt"


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _lower_bounds() -> dict[str, str]:
    """Each requirement's name and its `>=` version, runtime and test extras alike."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    bounds = {}
    for requirement in requirements:
        found = re.search(r">=\s*([0-9][0-9.]*)", requirement)
        assert found, f"{requirement!r} has no lower bound"
        bounds[_name(requirement)] = found.group(1)
    return bounds


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOWEST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    return pins


def _release(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in version.split(".")]
    while parts and parts[-1] == 0:  # 3.1 == 3.1.0
        parts.pop()
    return tuple(parts)


@pytest.mark.skipif(not LOWEST.exists(), reason="a source checkout's file (not in an sdist)")
def test_every_lower_bound_is_the_version_pinned_for_the_lowest_versions_run():
    bounds, pins = _lower_bounds(), _pins()
    assert set(pins) == set(bounds), "pyproject.toml and .ci/lowest.txt name the same libraries"
    for name, bound in bounds.items():
        assert _release(pins[name]) >= _release(bound), f"{name}: pinned {pins[name]}, below the bound {bound}"
        assert _release(pins[name])[:len(_release(bound))] == _release(bound), (
            f"{name}: the bound {bound} is not the version tested ({pins[name]}): raise or lower one of them")
