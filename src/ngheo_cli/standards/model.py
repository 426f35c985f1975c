"""The shape of a criteria (standard) file, loaded strictly: an unknown key is an error."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CLASSES = ("poor", "near_poor", "middle_income", "not_poor")
CLASS_NAMES = {
    "poor": {"vi": "Hộ nghèo", "en": "Poor"},
    "near_poor": {"vi": "Hộ cận nghèo", "en": "Near-poor"},
    "middle_income": {"vi": "Hộ có mức sống trung bình", "en": "Middle income"},
    "not_poor": {"vi": "Hộ không nghèo", "en": "Not poor"},
}
Confidence = Literal["confirmed", "secondary", "draft", "unconfirmed"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(Strict):
    vi: str
    en: str


class Source(Strict):
    """Where a number or a wording comes from, and how sure we are of it."""

    document: str
    url: str | None = None
    confidence: Confidence
    note: str | None = None


class AreaLine(Strict):
    """A line per area (VND per person per month, or B1 points)."""

    rural: float = Field(gt=0)
    urban: float = Field(gt=0)
    legal_wording: str | None = None
    source: Source


class Parameter(Strict):
    value: float
    description: str | None = None
    source: Source


class ValueSet(Strict):
    column: str  # the survey column whose categories these are
    values: list[str] = Field(min_length=1)
    description: str | None = None
    source: Source


class Dimension(Strict):
    id: str
    name: Names


class Indicator(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    dimension: str
    name: Names
    legal_wording: str
    derive: str | None = None  # expression; None when only the direct answer can decide it
    source: Source


class ClassRule(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    class_: Literal["poor", "near_poor", "middle_income", "not_poor"] = Field(alias="class")
    when: str
    reason: Names
    legal_wording: str | None = None
    source: Source | None = None


class Standard(Strict):
    format_version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: Names
    provisional: bool = False
    provisional_note: str | None = None
    legal_basis: list[Source] = Field(min_length=1)
    valid_from: dt.date
    valid_to: dt.date | None = None
    income_lines: dict[str, AreaLine] = Field(min_length=1)
    score_lines: dict[str, AreaLine] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    value_sets: dict[str, ValueSet] = Field(default_factory=dict)
    dimensions: list[Dimension] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1, max_length=64)  # (the engine keeps a row's as the bits of one integer)
    classes: list[ClassRule] = Field(min_length=1)

    def indicator_ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def applies_to(self, year: int) -> bool:
        """Whether a review year falls within the standard's validity dates."""
        return self.valid_from.year <= year and (self.valid_to is None or year <= self.valid_to.year)
