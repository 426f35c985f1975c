"""The survey contract: pydantic models of a household and a member, and the column specs
derived from them.

The models are the single source of truth for column ids, headers, types, constraints and
category values. The bulk validator (validate.py) reads its checks off these models, and a
property test proves it accepts exactly the rows that `Model.model_validate` accepts.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Literal, Union

import annotated_types
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ngheo_cli.text import fold, nfc, strip_diacritics
from ngheo_cli.ward_names import unit_of


@dataclass(frozen=True)
class Header:
    """How officers head a column: the Vietnamese header of the template and an English label."""

    vi: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Categories:
    """Allowed values of a category column: canonical value -> accepted spellings."""

    values: dict[str, tuple[str, ...]]

    def lookup(self) -> dict[str, str]:
        """Folded spelling -> canonical value."""
        table: dict[str, str] = {}
        for canonical, spellings in self.values.items():
            for spelling in (canonical, *spellings):
                table[fold(spelling)] = canonical
        return table


AREA = Categories({"urban": ("thành thị", "đô thị"), "rural": ("nông thôn",)})
STATUS = Categories(
    {
        "poor": ("hộ nghèo", "nghèo"),
        "near_poor": ("hộ cận nghèo", "cận nghèo"),
        "middle_income": ("hộ có mức sống trung bình", "mức sống trung bình", "trung bình"),
        "not_poor": ("hộ không nghèo", "không nghèo"),
    }
)
HOUSE_TYPE = Categories(
    {"kiên cố": (), "bán kiên cố": (), "thiếu kiên cố": (), "đơn sơ": ()}
)
WATER_SOURCE = Categories(
    {
        "nước máy": (),
        "giếng khoan": (),
        "giếng đào được bảo vệ": (),
        "khe/mó được bảo vệ": (),
        "nước mưa": (),
        "nước đóng bình": ("nước đóng chai",),
        "giếng đào không được bảo vệ": (),
        "khe/mó không được bảo vệ": (),
        "sông/suối/ao/hồ": (),
        "khác": (),
    }
)
TOILET_TYPE = Categories(
    {
        "tự hoại": (),
        "bán tự hoại": (),
        "thấm dội nước": (),
        "hai ngăn": (),
        "chìm có ống thông hơi": (),
        "khác": (),
        "không có": (),
    }
)
SEX = Categories({"nam": ("male",), "nữ": ("female",)})
EDUCATION = Categories(
    {
        "chưa có": ("không có", "không", "chưa tốt nghiệp tiểu học"),
        "tiểu học": (),
        "THCS": ("trung học cơ sở",),
        "THPT": ("trung học phổ thông",),
        "sơ cấp nghề": ("sơ cấp",),
        "trung cấp": ("trung cấp nghề",),
        "cao đẳng": ("cao đẳng nghề",),
        "đại học trở lên": ("đại học", "thạc sĩ", "tiến sĩ", "sau đại học"),
    }
)
EMPLOYMENT = Categories(
    {
        "có HĐLĐ": ("có hợp đồng lao động", "có hợp đồng"),
        "làm công không HĐLĐ": ("làm công không hợp đồng lao động", "không HĐLĐ"),
        "tự làm": (),
        "thất nghiệp": (),
        "không tham gia lao động": ("không tham gia",),
    }
)

# Annotated aliases that keep the models below readable.
Text = str
YesNo = bool
NonNegative = annotated_types.Ge(0)

# Day first, as dates are written in Việt Nam ("15/03/1985", "15-3-1985", "15.03.1985", "3/1985"),
# or ISO ("1985-03-15", what a Parquet or database date column reads as)
_DATE_TEXT = re.compile(r"(?:(?P<d>\d{1,2})[/.-])?(?P<m>\d{1,2})[/.-](?P<y>\d{4})|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})")


def year_of_date(value: object) -> int | None:
    """The year of a date: a date cell, or a date written as text (_DATE_TEXT, a real day of a
    real month); None for anything else, a year typed alone included (a whole number)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    if not isinstance(value, str):
        return None
    match = _DATE_TEXT.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day = (match["y"], match["m"], match["d"] or "1") if match["y"] else (match["iy"], match["im"], match["id"])
    try:
        return dt.date(int(year), int(month), int(day)).year
    except ValueError:
        return None


# A year column that also takes a date and keeps its year: officers copy "Ngày sinh" from the
# household register, where a birth year is what the contract needs (ages count in whole years)
def _read_by(rule) -> BeforeValidator:
    """A cell `rule` reads (a value, or None) given to the model as read, any other as it is."""
    return BeforeValidator(lambda value: read if (read := rule(value)) is not None else value)


YEAR_OF_DATE = _read_by(year_of_date)


# A baby's age as officers write it: "6 tháng", "18 tháng tuổi", "2 tuần", "10 ngày", "sơ sinh",
# "1 tuổi 6 tháng" (matched without diacritics)
_AGE_TEXT = re.compile(r"(?:(?P<years>\d+)\s*tuoi\s*)?(?P<count>\d+)\s*(?P<unit>thang|tuan|ngay)(?:\s*tuoi)?\.?|so\s*sinh")
_PER_YEAR = {"thang": 12, "tuan": 52, "ngay": 365}


def years_of_age(value: object) -> int | None:
    """The whole years (tuổi tròn, as the indicators count age) of an age written in months, weeks
    or days; None for anything else, a number of years included."""
    if not isinstance(value, str):
        return None
    match = _AGE_TEXT.fullmatch(strip_diacritics(nfc(value)).lower().strip())
    if match is None:
        return None
    if match["count"] is None:  # sơ sinh: a newborn
        return 0
    if match["years"] is not None:
        return int(match["years"])
    return int(match["count"]) // _PER_YEAR[match["unit"]]


AGE_IN_YEARS = _read_by(years_of_age)


class Household(BaseModel):
    """One row of the households sheet, after cell values are parsed."""

    model_config = ConfigDict(extra="allow")

    household_id: Annotated[str, Header("Mã hộ", "Household ID", ("mã số hộ", "mã hộ gia đình", "mã HGĐ")), Field(min_length=1)]
    head_name: Annotated[
        Text | None, Header("Họ tên chủ hộ", "Head of household",
                            ("họ và tên chủ hộ", "tên chủ hộ", "chủ hộ", "họ và tên", "họ tên"))  # (one name a household: its head's)
    ] = None
    ward: Annotated[str, Header("Phường/Xã", "Ward/commune", ("phường", "xã", "xã/phường", "phường/xã/thị trấn", "xã/phường/thị trấn")), Field(min_length=1)]
    hamlet: Annotated[
        Text | None, Header("Tổ dân phố/Thôn", "Hamlet",
               ("tổ dân phố", "thôn", "tổ", "thôn/tổ", "thôn/tổ dân phố", "tổ/thôn", "khu phố", "ấp", "bản"))
    ] = None
    area: Annotated[
        str | None, Header("Khu vực", "Area"), AREA
    ] = None
    members_count: Annotated[
        int | None, Header("Số nhân khẩu", "Members", ("số người", "số khẩu", "nhân khẩu", "số thành viên", "số người trong hộ",
                                            "số nhân khẩu trong hộ", "tổng số nhân khẩu")), Field(ge=1)
    ] = None
    income_per_capita: Annotated[
        float | None,
        Header(
            "Thu nhập bình quân đầu người/tháng (đồng)",
            "Income per capita per month",
            ("thu nhập bình quân đầu người/tháng", "thu nhập bình quân", "thu nhập bình quân đầu người",
             "thu nhập bình quân người/tháng", "thu nhập bình quân/người/tháng", "thu nhập bình quân 1 người/tháng",
             "thu nhập bình quân 01 người/tháng", "thu nhập bình quân một người/tháng", "thu nhập bình quân/khẩu/tháng",
             "thu nhập bình quân nhân khẩu/tháng", "thu nhập bình quân đầu người 1 tháng",
             "thu nhập bình quân đầu người một tháng"),
        ),
        Field(ge=0),
    ] = None
    income_year: Annotated[
        float | None,
        Header(
            "Tổng thu nhập của hộ 12 tháng (đồng)",
            "Household income, 12 months",
            ("tổng thu nhập của hộ 12 tháng", "tổng thu nhập", "tổng thu nhập của hộ", "tổng thu nhập của hộ/năm",
             "tổng thu nhập của hộ trong năm", "tổng thu nhập của hộ trong 12 tháng", "tổng thu nhập cả năm",
             "thu nhập của hộ 12 tháng", "thu nhập của hộ trong 12 tháng", "tổng thu nhập năm"),
        ),
        Field(ge=0),
    ] = None
    b1_score: Annotated[
        float | None, Header("Điểm B1", "B1 score", ("tổng điểm b1", "điểm phiếu b1", "tổng điểm phiếu b1")), Field(ge=0)
    ] = None
    house_type: Annotated[
        str | None,
        Header("Loại nhà", "House type"),
        HOUSE_TYPE,
    ] = None
    floor_area_m2: Annotated[
        float | None,
        Header("Diện tích nhà ở (m²)", "Floor area (m2)", ("diện tích nhà ở", "diện tích nhà")),
        Field(ge=0),
    ] = None
    water_source: Annotated[
        str | None, Header("Nguồn nước sinh hoạt", "Water source", ("nguồn nước",)), WATER_SOURCE
    ] = None
    toilet_type: Annotated[str | None, Header("Loại nhà tiêu", "Toilet type", ("nhà tiêu", "nhà vệ sinh", "loại nhà vệ sinh", "hố xí", "loại hố xí")), TOILET_TYPE] = None
    internet_use: Annotated[
        YesNo | None, Header("Có thành viên sử dụng internet", "A member uses the internet",
               ("sử dụng internet", "có sử dụng internet", "dùng internet", "có internet"))
    ] = None
    info_devices: Annotated[
        YesNo | None,
        Header("Có phương tiện tiếp cận thông tin", "Has information devices",
               ("phương tiện tiếp cận thông tin", "phương tiện thông tin")),
    ] = None
    merit_family: Annotated[
        YesNo, Header("Hộ người có công", "Meritorious service family", ("hộ có công", "gia đình có công", "người có công"))
    ] = False
    social_protection: Annotated[
        YesNo, Header("Hộ bảo trợ xã hội", "Social protection household", ("bảo trợ xã hội",))
    ] = False
    ethnic_minority: Annotated[
        YesNo, Header("Hộ dân tộc thiểu số", "Ethnic minority household", ("dân tộc thiểu số",))
    ] = False
    no_labour_capacity: Annotated[
        YesNo, Header("Hộ không có khả năng lao động", "No labour capacity", ("không có khả năng lao động",))
    ] = False
    previous_status: Annotated[
        str | None,
        Header("Phân loại đầu kỳ", "Previous status"),
        STATUS,
    ] = None
    split_from: Annotated[
        Text | None, Header("Tách từ hộ", "Split from household", ("Mã hộ gốc", "Tách từ mã hộ"))
    ] = None
    weight: Annotated[float | None, Header("Quyền số", "Weight"), Field(gt=0)] = None

    @model_validator(mode="after")
    def _categories_known(self):
        return _check_categories(self)

    @model_validator(mode="after")
    def _area_known(self) -> "Household":
        if self.area is None and area_from_ward_name(self.ward) is None:
            raise ValueError("area_required")
        return self

    @model_validator(mode="after")
    def _has_income(self) -> "Household":
        if self.income_per_capita is None and self.income_year is None and self.b1_score is None:
            raise ValueError("income_missing")
        return self


class Member(BaseModel):
    """One row of the members sheet, after cell values are parsed."""

    model_config = ConfigDict(extra="allow")

    household_id: Annotated[str, Header("Mã hộ", "Household ID"), Field(min_length=1)]
    member_name: Annotated[Text | None, Header("Họ và tên", "Name", ("họ tên",))] = None
    birth_year: Annotated[
        int | None, Header("Năm sinh", "Birth year", ("sinh năm",)), YEAR_OF_DATE, Field(ge=1880, le=2100)
    ] = None
    birth_date: Annotated[  # its year: where birth_year is blank, it stands for it
        int | None,
        Header("Ngày sinh", "Date of birth", ("ngày tháng năm sinh", "ngày, tháng, năm sinh", "sinh ngày")),
        YEAR_OF_DATE,
        Field(ge=1880, le=2100),
    ] = None
    age: Annotated[int | None, Header("Tuổi", "Age"), AGE_IN_YEARS, Field(ge=0, le=130)] = None
    sex: Annotated[str | None, Header("Giới tính", "Sex"), SEX] = None
    health_insurance: Annotated[
        YesNo | None, Header("Có thẻ BHYT", "Health insurance", ("bhyt", "thẻ bhyt", "có bhyt", "bảo hiểm y tế", "có thẻ bảo hiểm y tế"))
    ] = None
    education: Annotated[
        str | None,
        Header("Bằng cấp cao nhất", "Highest qualification",
               ("trình độ", "trình độ học vấn", "trình độ văn hóa", "học vấn", "trình độ giáo dục")),
        EDUCATION,
    ] = None
    studying: Annotated[
        YesNo | None, Header("Đang đi học/đào tạo", "Studying", ("đang đi học",))
    ] = None
    school_level_ok: Annotated[
        YesNo | None, Header("Đi học đúng cấp", "At the right school level")
    ] = None
    employment: Annotated[
        str | None, Header("Tình trạng việc làm", "Employment", ("việc làm", "tình trạng lao động")), EMPLOYMENT
    ] = None
    monthly_allowance: Annotated[
        YesNo | None,
        Header("Hưởng trợ cấp xã hội hằng tháng", "Monthly social allowance",
               ("trợ cấp xã hội", "hưởng trợ cấp xã hội", "trợ cấp xã hội hằng tháng", "hưởng BTXH")),
    ] = None
    malnourished: Annotated[YesNo | None, Header("Suy dinh dưỡng", "Malnourished")] = None

    @model_validator(mode="after")
    def _categories_known(self):
        return _check_categories(self)

    @model_validator(mode="after")
    def _age_known(self) -> "Member":
        if self.age is None and self.birth_year is None and self.birth_date is None:
            raise ValueError("age_missing")
        return self


def _check_categories(row: BaseModel) -> BaseModel:
    for name, field in type(row).model_fields.items():
        categories = next((m for m in field.metadata if isinstance(m, Categories)), None)
        value = getattr(row, name)
        if categories is not None and value is not None and value not in categories.values:
            raise ValueError("bad_category")
    return row


def area_from_ward_name(ward: str | None) -> str | None:
    """The area a ward's own name implies: "Phường"/"Thị trấn" urban, "Xã" rural (also "P.",
    "TT.", "X.", and without diacritics)."""
    unit = unit_of(ward) if ward else ""
    return {"phường": "urban", "thị trấn": "urban", "xã": "rural"}.get(unit)


# --- column specs read off the models -------------------------------------------------

Kind = Literal["text", "int", "year", "age", "number", "yesno", "category"]
# year: a whole number, or a date's year; age: a whole number, or an age in months, weeks or days


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    header: Header
    kind: Kind
    required: bool
    default: object
    categories: Categories | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None

    def spellings(self) -> tuple[str, ...]:
        """Every header this column is recognised by (matched after folding)."""
        return (self.id, self.header.vi, self.header.en, *self.header.aliases)


def _kind_of(annotation: object, categories: Categories | None, metadata: list) -> Kind:
    base = _strip_optional(annotation)
    if categories is not None:
        return "category"
    if any(m is YEAR_OF_DATE for m in metadata):
        return "year"
    if any(m is AGE_IN_YEARS for m in metadata):
        return "age"
    if base is bool:
        return "yesno"
    if base is int:
        return "int"
    if base is float:
        return "number"
    return "text"


def _strip_optional(annotation: object) -> object:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def columns_of(model: type[BaseModel]) -> tuple[ColumnSpec, ...]:
    specs = []
    for name, field in model.model_fields.items():
        header = next(m for m in field.metadata if isinstance(m, Header))
        categories = next((m for m in field.metadata if isinstance(m, Categories)), None)
        bounds = {}
        for m in field.metadata:
            for attr in ("ge", "gt", "le"):
                if isinstance(m, getattr(annotated_types, attr.capitalize())):
                    bounds[attr] = getattr(m, attr)
        specs.append(
            ColumnSpec(
                id=name,
                header=header,
                kind=_kind_of(field.annotation, categories, field.metadata),
                required=field.is_required(),
                default=None if field.is_required() else field.default,
                categories=categories,
                **bounds,
            )
        )
    return tuple(specs)


HOUSEHOLD_COLUMNS = columns_of(Household)
MEMBER_COLUMNS = columns_of(Member)
AGE_COLUMNS = frozenset({"age", "birth_year", "birth_date"})  # a members list has one of them
INCOME_SOURCES = ("income_per_capita", "income_year", "b1_score")
GROUP_FLAGS = ("merit_family", "social_protection", "ethnic_minority", "no_labour_capacity")
