"""Writes samples/cau-giay-2025.xlsx: a synthetic year-end survey of the three wards of today's
Cầu Giấy area (Cầu Giấy, Nghĩa Đô, Yên Hòa), laid out the way officers' workbooks are.

Deterministic (fixed seed): run `python samples/make_sample.py` to rebuild it byte for byte
in content. No real person is in it. It has, on purpose:
- title rows, merged cells and a totals row around the households table; a members sheet;
- households with raw fields and members, and households answered only through the
  "Thiếu hụt: …" checkbox columns ("x" for deprived, blank for not);
- numbers typed as text with Vietnamese separators and yes/no as x / có / không / blank;
- households exactly on the Hà Nội lines (2,000,000 and 3,000,000 đ) and on 3 deprivations;
- a few bad rows (a duplicate household ID, an unreadable income, a blank ward, a members
  count of 0, a member of an unknown household, a member with an unreadable BHYT answer) and
  a B1-only household, which the Hà Nội standard cannot place.
"""

from __future__ import annotations

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
    "Phân loại đầu kỳ",
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
        house, area_m2, water, toilet, internet, devices, *flags, previous, *direct, "",
    ]
    return row, members


def boundary_households(code: str, ward: str) -> list[tuple[list, list]]:
    """Households on the Hà Nội lines, answered through the checkbox columns."""
    def household(suffix: str, per_capita: int, deprived: int, note: str) -> tuple[list, list]:
        direct = ["x" if k < deprived else "0" for k in range(len(INDICATORS))]
        row = [None, f"{code}-{suffix}", "Hộ kiểm tra ranh giới", ward, "Tổ dân phố 1", 3, vn_number(per_capita),
               "", "", "", "", "", "", "", "", "", "", "", "", "", *direct, note]
        return row, []
    return [
        household("B001", 2_000_000, 3, "đúng chuẩn nghèo, thiếu hụt 3 → hộ nghèo"),
        household("B002", 2_000_000, 2, "đúng chuẩn nghèo, thiếu hụt 2 → hộ cận nghèo"),
        household("B003", 2_000_001, 5, "trên chuẩn nghèo 1 đồng → mức sống trung bình"),
        household("B004", 3_000_000, 0, "đúng mức sống trung bình → hộ có mức sống trung bình"),
        household("B005", 3_000_001, 0, "trên mức sống trung bình → hộ không nghèo"),
    ]


def bad_rows() -> tuple[list[list], list[list]]:
    blank_direct = [""] * len(INDICATORS)
    base = ["", "", "", "", "", "", "", "", "", "", "", "", "", ""]

    def row(household_id, ward, size, per_capita, note, b1=""):
        return [None, household_id, "Hộ lỗi mẫu", ward, "Tổ dân phố 2", size, per_capita, "", b1, *base[:11], *blank_direct, note]

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


def build(path: Path, seed: int = 2025) -> None:
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
    extra_households, extra_members = bad_rows()
    households.extend(extra_households)
    # the bad member goes with an existing household so that household is rejected too
    members.extend(extra_members)
    for stt, row in enumerate(households, start=1):
        row[0] = stt

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "DS hộ"
    width = len(HOUSEHOLD_HEADERS)
    sheet.append(["ỦY BAN NHÂN DÂN CÁC PHƯỜNG CẦU GIẤY, NGHĨA ĐÔ, YÊN HÒA"])
    sheet.append([f"DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {REVIEW_YEAR}"])
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

    member_sheet = workbook.create_sheet("Thành viên")
    member_sheet.append([f"DANH SÁCH THÀNH VIÊN HỘ NĂM {REVIEW_YEAR}"])
    member_sheet.append(MEMBER_HEADERS)
    for row in members:
        member_sheet.append(row)
    workbook.save(path)


if __name__ == "__main__":
    build(Path(__file__).with_name(f"cau-giay-{REVIEW_YEAR}.xlsx"))
