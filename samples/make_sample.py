"""Writes samples/cau-giay-2025.xlsx: a synthetic year-end survey of the three wards of today's
Cầu Giấy area (Cầu Giấy, Nghĩa Đô, Yên Hòa), laid out the way officers' workbooks are; and,
for `ngheo review`, samples/cau-giay-2024.xlsx (the year before, under the eight old wards of
quận Cầu Giấy) with samples/cau-giay-ward-map.csv (old ward + tổ dân phố -> new ward).

Deterministic (fixed seed): run `python samples/make_sample.py` to rebuild it byte for byte
in content. No real person is in it. It has, on purpose:
- title rows, merged cells and a totals row around the households table; a members sheet;
- households with raw fields and members, and households answered only through the
  "Thiếu hụt: …" checkbox columns ("x" for deprived, blank for not);
- numbers typed as text with Vietnamese separators and yes/no as x / có / không / blank;
- households exactly on the Hà Nội lines (2,000,000 and 3,000,000 đ) and on 3 deprivations;
- a few bad rows (a duplicate household ID, an unreadable income, a blank ward, a members
  count of 0, a member of an unknown household, a member with an unreadable BHYT answer) and
  a B1-only household, which the Hà Nội standard cannot place;
- for the review: households that left or joined the list, two that split off another one,
  one that moved between the new wards, a người có công family poor both years, a 2024 row
  with an unreadable income, and 2024 households in tổ dân phố whose new ward the map cannot
  decide (a tổ cut in two; a tổ of Mai Dịch whose destination is not known).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HOUSEHOLD_HEADERS = [
    "STT", "Mã hộ", "Họ tên chủ hộ", "Phường/Xã", "Tổ dân phố/Thôn", "Số nhân khẩu",
    "Thu nhập bình quân đầu người/tháng (đồng)", "Tổng thu nhập của hộ 12 tháng (đồng)", "Điểm B1",
    "Loại nhà", "Diện tích nhà ở (m²)", "Nguồn nước sinh hoạt", "Loại nhà tiêu",
    "Có thành viên sử dụng internet", "Có phương tiện tiếp cận thông tin",
    "Hộ người có công", "Hộ bảo trợ xã hội", "Hộ dân tộc thiểu số", "Hộ không có khả năng lao động",
    "Phân loại đầu kỳ", "Tách từ hộ",
]
INDICATORS = [
    ("viec_lam", "Việc làm"), ("nguoi_phu_thuoc", "Người phụ thuộc trong hộ gia đình"),
    ("dinh_duong", "Dinh dưỡng"), ("bhyt", "Bảo hiểm y tế"),
    ("gd_nguoi_lon", "Trình độ giáo dục của người lớn"), ("di_hoc_tre_em", "Tình trạng đi học của trẻ em"),
    ("chat_luong_nha", "Chất lượng nhà ở"), ("dien_tich_nha", "Diện tích nhà ở bình quân đầu người"),
    ("nguon_nuoc", "Nguồn nước sinh hoạt"), ("nha_tieu", "Nhà tiêu hợp vệ sinh"),
    ("vien_thong", "Sử dụng dịch vụ viễn thông"), ("phuong_tien_thong_tin", "Phương tiện phục vụ tiếp cận thông tin"),
]
HOUSEHOLD_HEADERS += [f"Thiếu hụt: {name}" for _, name in INDICATORS] + ["Ghi chú"]
MEMBER_HEADERS = [
    "Mã hộ", "Họ và tên", "Năm sinh", "Tuổi", "Giới tính", "Có thẻ BHYT", "Bằng cấp cao nhất",
    "Đang đi học/đào tạo", "Đi học đúng cấp", "Tình trạng việc làm", "Hưởng trợ cấp xã hội hằng tháng",
    "Suy dinh dưỡng",
]
WARDS = {
    "Phường Cầu Giấy": ("CG", 6),
    "Phường Nghĩa Đô": ("ND", 8),
    "Phường Yên Hòa": ("YH", 6),
}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc", "Hữu"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Quân", "Tâm", "Thảo", "Tuấn"]
REVIEW_YEAR = 2025


def name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def vn_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def yes(rng: random.Random, p: float, style: str = "x") -> str:
    if rng.random() < p:
        return {"x": "x", "co": "có", "1": "1"}[style]
    return {"x": "", "co": "không", "1": "0"}[style]


def make_members(rng: random.Random, household_id: str, size: int, poor_leaning: bool) -> list[list]:
    rows = []
    for k in range(size):
        if k == 0:
            age = rng.randint(28, 75)
        elif k == 1:
            age = rng.randint(25, 72)
        else:
            age = rng.choice([rng.randint(0, 15), rng.randint(16, 30), rng.randint(60, 90)])
        child = age < 16
        education = (
            "chưa có" if age < 6 else "tiểu học" if age < 11 else "THCS" if age < 16
            else rng.choice(["THCS", "THPT", "trung cấp", "cao đẳng", "đại học trở lên"] if not poor_leaning
                            else ["tiểu học", "THCS", "THCS", "THPT"])
        )
        employment = (
            "không tham gia lao động" if age < 15 or age > 65
            else rng.choice(["có HĐLĐ", "tự làm", "có HĐLĐ"] if not poor_leaning
                            else ["làm công không HĐLĐ", "tự làm", "thất nghiệp", "có HĐLĐ"])
        )
        by_age = rng.random() < 0.2
        rows.append([
            household_id,
            name(rng),
            "" if by_age else REVIEW_YEAR - age,
            age if by_age else "",
            rng.choice(["Nam", "Nữ"]),
            "x" if rng.random() < (0.97 if not poor_leaning else 0.75) else "",
            education,
            "x" if (3 <= age < 23 and rng.random() < 0.9) else "",
            ("x" if rng.random() < (0.97 if not poor_leaning else 0.85) else "") if 3 <= age < 16 else "",
            employment,
            "x" if (age >= 75 and rng.random() < 0.5) else "",
            "x" if (child and poor_leaning and rng.random() < 0.15) else "",
        ])
    return rows


def make_household(rng: random.Random, ward: str, code: str, number: int, hamlets: int) -> tuple[list, list]:
    household_id = f"{code}-{number:04d}"
    roll = rng.random()
    poor_leaning = roll < 0.18
    size = rng.choice([1, 2, 3, 3, 4, 4, 5, 6])
    if poor_leaning:
        per_capita = rng.randint(9, 21) * 100_000
    elif roll < 0.35:
        per_capita = rng.randint(20, 31) * 100_000
    else:
        per_capita = rng.randint(30, 120) * 100_000
    direct_only = rng.random() < 0.15  # answered only through the checkbox columns
    income_cells = ["", "", ""]
    style = rng.random()
    if style < 0.45:
        income_cells[1] = vn_number(per_capita * 12 * size)  # "57.600.000"
    elif style < 0.75:
        income_cells[0] = per_capita
    elif style < 0.9:
        income_cells[0] = vn_number(per_capita) + " đ"
    else:
        income_cells[1] = per_capita * 12 * size
    house = rng.choices(["kiên cố", "bán kiên cố", "thiếu kiên cố", "đơn sơ"], [70, 22, 6, 2] if not poor_leaning else [35, 35, 20, 10])[0]
    area_m2 = round(size * rng.uniform(5.5, 12) if poor_leaning else size * rng.uniform(9, 30), 1)
    water = rng.choices(["nước máy", "giếng khoan", "giếng đào không được bảo vệ", "Nước Máy "], [85, 8, 4, 3])[0]
    toilet = rng.choices(["tự hoại", "bán tự hoại", "khác", "không có"], [85, 8, 5, 2] if not poor_leaning else [60, 15, 15, 10])[0]
    internet = "có" if rng.random() < (0.95 if not poor_leaning else 0.7) else "không"
    devices = "có" if rng.random() < (0.97 if not poor_leaning else 0.8) else "không"
    flags = [yes(rng, 0.06), yes(rng, 0.04), yes(rng, 0.02), yes(rng, 0.03)]
    previous = rng.choices(["", "Hộ nghèo", "Hộ cận nghèo", "Hộ có mức sống trung bình", "Hộ không nghèo"], [40, 3, 8, 9, 40])[0]
    members = make_members(rng, household_id, size, poor_leaning)
    direct = [""] * len(INDICATORS)
    if direct_only:
        house = area_m2 = water = toilet = internet = devices = ""
        members = []
        deprived = rng.choices(range(0, 6), [40, 20, 15, 12, 8, 5])[0] if poor_leaning else rng.choice([0, 0, 0, 1, 2])
        for k in rng.sample(range(len(INDICATORS)), deprived):
            direct[k] = "x"
    row = [
        None, household_id, name(rng), ward, f"Tổ dân phố {rng.randint(1, hamlets)}", size, *income_cells,
        house, area_m2, water, toilet, internet, devices, *flags, previous, "", *direct, "",
    ]
    return row, members


def boundary_households(code: str, ward: str) -> list[tuple[list, list]]:
    """Households on the Hà Nội lines, answered through the checkbox columns."""
    def household(suffix: str, per_capita: int, deprived: int, note: str) -> tuple[list, list]:
        direct = ["x" if k < deprived else "0" for k in range(len(INDICATORS))]
        row = [None, f"{code}-{suffix}", "Hộ kiểm tra ranh giới", ward, "Tổ dân phố 1", 3, vn_number(per_capita),
               "", "", "", "", "", "", "", "", "", "", "", "", "", "", *direct, note]
        return row, []
    return [
        household("B001", 2_000_000, 3, "đúng chuẩn nghèo, thiếu hụt 3 → hộ nghèo"),
        household("B002", 2_000_000, 2, "đúng chuẩn nghèo, thiếu hụt 2 → hộ cận nghèo"),
        household("B003", 2_000_001, 5, "trên chuẩn nghèo 1 đồng → mức sống trung bình"),
        household("B004", 3_000_000, 0, "đúng mức sống trung bình → hộ có mức sống trung bình"),
        household("B005", 3_000_001, 0, "trên mức sống trung bình → hộ không nghèo"),
    ]


def merit_family_still_poor() -> tuple[list, list]:
    """A household of a người có công family that is poor in both years (the plan's target)."""
    direct = ["x" if k in (1, 6, 9, 10) else "0" for k in range(len(INDICATORS))]
    row = [None, "ND-0201", "Hộ người có công mẫu", "Phường Nghĩa Đô", "Tổ dân phố 3", 2, vn_number(1_600_000),
           "", "", "", "", "", "", "", "", "x", "", "", "", "Hộ nghèo", "", *direct, "hộ người có công còn nghèo"]
    return row, []


def bad_rows() -> tuple[list[list], list[list]]:
    blank_direct = [""] * len(INDICATORS)
    base = [""] * 12

    def row(household_id, ward, size, per_capita, note, b1=""):
        return [None, household_id, "Hộ lỗi mẫu", ward, "Tổ dân phố 2", size, per_capita, "", b1, *base, *blank_direct, note]

    households = [
        row("YH-0007", "Phường Yên Hòa", 2, "2.500.000", "trùng mã hộ với một hộ khác"),
        row("ND-9001", "Phường Nghĩa Đô", 3, "khoảng 2 triệu", "thu nhập ghi bằng chữ, không đọc được"),
        row("ND-9002", "", 2, "1.800.000", "thiếu phường"),
        row("CG-9003", "Phường Cầu Giấy", 0, "1.800.000", "số nhân khẩu bằng 0"),
        row("CG-9004", "Phường Cầu Giấy", 4, "", "chỉ có điểm B1", b1=150),
    ]
    members = [
        ["XX-0001", "Thành viên lạc", 1990, "", "Nam", "x", "THPT", "", "", "có HĐLĐ", "", ""],
        ["CG-0003", "Thành viên lỗi BHYT", 1985, "", "Nữ", "có thể", "THPT", "", "", "tự làm", "", ""],
    ]
    return households, members


SPLITS = {"ND-0050": "ND-0049", "YH-0033": "YH-0032"}  # 2025 households split off a 2024 one


def survey_rows(seed: int = 2025) -> tuple[list[list], list[list]]:
    """The 2025 survey: household rows (with STT) and member rows."""
    rng = random.Random(seed)
    households: list[list] = []
    members: list[list] = []
    for ward, (code, hamlets) in WARDS.items():
        for number in range(1, 101):
            row, people = make_household(rng, ward, code, number, hamlets)
            households.append(row)
            members.extend(people)
    for row, _no_members in boundary_households("CG", "Phường Cầu Giấy"):
        households.append(row)
    households.append(merit_family_still_poor()[0])
    extra_households, extra_members = bad_rows()
    households.extend(extra_households)
    # the bad member goes with an existing household so that household is rejected too
    members.extend(extra_members)
    split_column = HOUSEHOLD_HEADERS.index("Tách từ hộ")
    for row in households:
        row[split_column] = SPLITS.get(row[1], "")
    for stt, row in enumerate(households, start=1):
        row[0] = stt
    return households, members


def write_survey(path: Path, year: int, households: list[list], members: list[list]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "DS hộ"
    width = len(HOUSEHOLD_HEADERS)
    sheet.append(["ỦY BAN NHÂN DÂN CÁC PHƯỜNG CẦU GIẤY, NGHĨA ĐÔ, YÊN HÒA" if year >= 2025
                  else "ỦY BAN NHÂN DÂN QUẬN CẦU GIẤY"])
    sheet.append([f"DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}"])
    sheet.append(["(Dữ liệu tổng hợp, không có thông tin cá nhân thật)"])
    for r in (1, 2, 3):
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        sheet.cell(r, 1).alignment = Alignment(horizontal="center")
        sheet.cell(r, 1).font = Font(bold=True)
    sheet.append([])
    sheet.append(HOUSEHOLD_HEADERS)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for row in households:
        sheet.append(row)
    sheet.append([])
    sheet.append(["Tổng cộng", f"{len(households)} hộ"])

    if members:
        member_sheet = workbook.create_sheet("Thành viên")
        member_sheet.append([f"DANH SÁCH THÀNH VIÊN HỘ NĂM {year}"])
        member_sheet.append(MEMBER_HEADERS)
        for row in members:
            member_sheet.append(row)
    workbook.save(path)


# --- The year before: 2024, under the eight old wards of quận Cầu Giấy -----------------------
#
# Which tổ dân phố of which old ward went to which new ward is SYNTHETIC: NQ 1656/NQ-UBTVQH15
# (k25–27) confirms only the ward-level composition (legal-criteria.md §8). The file says so.
# Household codes are assumed unchanged by the merger, so the two years match by Mã hộ.
OLD_WARDS = [  # (old ward, tổ dân phố numbers, new ward or None for "not known")
    ("Phường Dịch Vọng", range(1, 6), "Phường Cầu Giấy"),
    ("Phường Dịch Vọng", range(6, 7), "Phường Cầu Giấy"),
    ("Phường Dịch Vọng", range(6, 7), "Phường Nghĩa Đô"),  # tổ 6 was cut by the new boundary
    ("Phường Dịch Vọng", range(7, 11), "Phường Nghĩa Đô"),
    ("Phường Dịch Vọng Hậu", range(1, 6), "Phường Cầu Giấy"),
    ("Phường Dịch Vọng Hậu", range(6, 9), "Phường Nghĩa Đô"),
    ("Phường Quan Hoa", range(1, 5), "Phường Cầu Giấy"),
    ("Phường Quan Hoa", range(5, 9), "Phường Nghĩa Đô"),
    ("Phường Yên Hòa", range(1, 6), "Phường Cầu Giấy"),
    ("Phường Yên Hòa", range(6, 13), "Phường Yên Hòa"),
    ("Phường Nghĩa Đô", range(1, 9), "Phường Nghĩa Đô"),
    ("Phường Nghĩa Đô", range(9, 10), "Phường Tây Hồ"),
    ("Phường Mai Dịch", range(1, 5), "Phường Nghĩa Đô"),  # tổ 5–7: where they went is not known
    ("Phường Trung Hòa", range(1, 7), "Phường Yên Hòa"),  # tổ 7–9: not known
]
WHOLE_WARDS = [("Phường Nghĩa Tân", "Phường Nghĩa Đô")]  # all of Nghĩa Tân (k26)
LEFT_2024 = [  # households on the 2024 list that are not on the 2025 one: (id, old ward, tổ, status)
    ("CG-0901", "Phường Dịch Vọng Hậu", 2, "poor"),
    ("CG-0902", "Phường Quan Hoa", 3, "near_poor"),
    ("ND-0903", "Phường Nghĩa Tân", 4, "near_poor"),
    ("ND-0904", "Phường Mai Dịch", 6, "poor"),  # a tổ whose new ward is not known
    ("ND-0905", "Phường Dịch Vọng", 6, "near_poor"),  # a tổ split between two new wards
    ("ND-0906", "Phường Nghĩa Đô", 9, "not_poor"),  # went to Tây Hồ
    ("YH-0907", "Phường Trung Hòa", 2, "middle_income"),
]
NEW_IN_2025 = {"CG-0098", "CG-0099", "CG-0100", "ND-0050", "ND-0100", "YH-0033", "YH-0099", "YH-0100",
               "CG-B001", "CG-B002", "CG-B003", "CG-B004", "CG-B005", "ND-9001", "ND-9002", "CG-9003", "CG-9004"}
MOVED_BETWEEN_WARDS = {"CG-0011": ("Phường Trung Hòa", 3)}  # in Yên Hòa's part in 2024, Cầu Giấy in 2025
STATUS_WORDS = {"poor": "Hộ nghèo", "near_poor": "Hộ cận nghèo", "middle_income": "Hộ có mức sống trung bình",
                "not_poor": "Hộ không nghèo", "": ""}
PREVIOUS_WORDS = {words: code for code, words in STATUS_WORDS.items()}


def ward_map_rows() -> list[list[str]]:
    rows = [[old, "", new] for old, new in WHOLE_WARDS]
    for old, numbers, new in OLD_WARDS:
        rows.extend([old, f"Tổ dân phố {n}", new] for n in numbers)
    return rows


def _per_capita(cells: list) -> int | None:
    """The 2025 income per person per month as the row states it (per person or a 12-month total)."""
    def number(value) -> int | None:
        text = str(value).replace(" đ", "").replace(".", "")
        return int(text) if text.isdigit() else None
    per_person, year_total, size = number(cells[6]), number(cells[7]), cells[5]
    if per_person is not None:
        return per_person
    return year_total // 12 // size if year_total is not None and isinstance(size, int) and size > 0 else None


def statuses_2024(households_2025: list[list], rng: random.Random) -> dict[str, str]:
    """A 2024 status for each household on both lists, drawn with odds that depend on its 2025
    income, so that most poor households stay poor and some escape or fall back."""
    odds = {  # (poor, near_poor, middle_income, not_poor)
        "low": (45, 35, 12, 8), "middle": (6, 30, 40, 24), "high": (1, 3, 10, 86),
    }
    statuses = {}
    for cells in households_2025:
        household_id = cells[1]
        if household_id in NEW_IN_2025 or cells[2] == "Hộ lỗi mẫu":
            continue
        per_capita = _per_capita(cells)
        band = "low" if per_capita is not None and per_capita <= 2_000_000 else "middle" if (per_capita or 0) <= 3_000_000 else "high"
        drawn = rng.choices(["poor", "near_poor", "middle_income", "not_poor"], odds[band])[0]
        statuses[household_id] = "poor" if household_id == "ND-0201" else drawn  # the merit family stays poor
    return statuses


def previous_year_rows(households_2025: list[list], seed: int = 2024) -> list[list]:
    """2024 rows answered through the checkbox columns, with an income and deprivations that put
    each household in its 2024 status; the 2025 rows' "Phân loại đầu kỳ" is set to that status
    (not on the list -> blank), and the 2024 rows' "Phân loại đầu kỳ" (2023) makes some tái nghèo."""
    rng = random.Random(seed)
    columns = {h: i for i, h in enumerate(HOUSEHOLD_HEADERS)}
    first_direct = columns[f"Thiếu hụt: {INDICATORS[0][1]}"]
    flag_at, previous_at = columns["Hộ người có công"], columns["Phân loại đầu kỳ"]
    by_new_ward: dict[str, list[tuple[str, int]]] = {}
    for old, numbers, new in OLD_WARDS:
        by_new_ward.setdefault(new, []).extend((old, n) for n in numbers)
    for old, new in WHOLE_WARDS:
        by_new_ward.setdefault(new, []).extend((old, n) for n in range(1, 6))

    def row(household_id, head, old_ward, hamlet_number, status, previous, flags):
        size = rng.choice([1, 2, 3, 3, 4, 5])
        income = {"poor": rng.randint(12, 20), "near_poor": rng.randint(12, 20),
                  "middle_income": rng.randint(21, 30), "not_poor": rng.randint(31, 90)}[status] * 100_000
        deprived = rng.randint(3, 5) if status == "poor" else rng.randint(0, 2)
        chosen = set(rng.sample(range(len(INDICATORS)), deprived))
        cells = [""] * len(HOUSEHOLD_HEADERS)
        cells[1:7] = [household_id, head, old_ward, f"Tổ dân phố {hamlet_number}", size, vn_number(income)]
        cells[flag_at:flag_at + 4] = flags
        cells[previous_at] = STATUS_WORDS[previous]
        cells[first_direct:first_direct + len(INDICATORS)] = ["x" if k in chosen else "0" for k in range(len(INDICATORS))]
        return cells

    statuses = statuses_2024(households_2025, rng)
    rows = []
    for cells in households_2025:
        household_id = cells[1]
        if household_id not in statuses or household_id in {r[1] for r in rows}:
            cells[previous_at] = ""
            continue
        status = statuses[household_id]
        cells[previous_at] = STATUS_WORDS[status] if status != "not_poor" else ""
        roll = rng.random()
        if status in ("poor", "near_poor"):
            previous = status if roll < 0.75 else "middle_income" if roll < 0.9 else "near_poor" if status == "poor" else "poor"
        else:  # some escaped in 2024: they are tái nghèo if poor again in 2025
            previous = "poor" if roll < 0.15 else "near_poor" if roll < 0.3 else ""
        old_ward, hamlet_number = MOVED_BETWEEN_WARDS.get(household_id) or rng.choice(by_new_ward[cells[3]])
        rows.append(row(household_id, cells[2], old_ward, hamlet_number, status, previous, cells[flag_at:flag_at + 4]))
    for household_id, old_ward, hamlet_number, status in LEFT_2024:
        rows.append(row(household_id, "Hộ đã chuyển đi", old_ward, hamlet_number, status, "", ["", "", "", ""]))
    unreadable = next(r for r in rows if r[1] == "YH-0050")
    unreadable[6] = "hơn 2 triệu"  # an unreadable income: this household's 2024 status is not known
    for stt, cells in enumerate(rows, start=1):
        cells[0] = stt
    return rows


def build(folder: Path) -> None:
    households, members = survey_rows()
    rows_2024 = previous_year_rows(households)  # also sets the 2025 rows' "Phân loại đầu kỳ"
    write_survey(folder / f"cau-giay-{REVIEW_YEAR}.xlsx", REVIEW_YEAR, households, members)
    write_survey(folder / f"cau-giay-{REVIEW_YEAR - 1}.xlsx", REVIEW_YEAR - 1, rows_2024, [])
    with open(folder / "cau-giay-ward-map.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Phường cũ", "Tổ dân phố cũ", "Phường mới"])
        writer.writerows(ward_map_rows())


if __name__ == "__main__":
    build(Path(__file__).parent)
