"""Domain errors. The core raises them; the CLI turns each into one `Error: ...` line, exit 2."""

from __future__ import annotations


class NgheoError(Exception):
    """A problem the user can fix; `hint` says how."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(NgheoError):
    """The input file cannot be read as a survey at all (not a row-level problem)."""


class CriteriaError(NgheoError):
    """A criteria (standard) file is invalid."""


class OutputError(NgheoError):
    """An output cannot be written where asked."""
