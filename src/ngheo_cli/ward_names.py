"""One ward, one row of the summary: the spellings of a ward's name that officers' files mix
("Phường Cầu Giấy", "phường cầu giấy", "P. Cầu Giấy", "Cầu Giấy", "Phuong Cau Giay", "Phường
Cầu Giấy" with its tone marks placed the old way) counted under one name. Pure; no pandas.

Two spellings are the same name when they differ only in case, spaces, an abbreviated unit
("P.", "TT.", "X.") or where a tone mark sits on its syllable ("Hoà", "Hòa"). A spelling without
its unit word ("Cầu Giấy") or without diacritics ("Phuong Cau Giay") is counted under a full one
(unit and diacritics) only when exactly one full spelling fits it; otherwise it stays apart, as
typed. Different diacritics are different names ("Tân Định", "Tân Đình"), never merged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ngheo_cli.text import nfc, strip_diacritics

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
# unit -> how it is written: in full, abbreviated, and (for names typed without diacritics) bare
_UNITS = {"phường": ("phường ", "p.", "ph."), "thị trấn": ("thị trấn ", "tt."), "xã": ("xã ", "x.")}
_UNITS_WITHOUT_MARKS = {"phường": ("phuong ",), "thị trấn": ("thi tran ",), "xã": ("xa ",)}


@dataclass(frozen=True)
class _Spelling:
    text: str
    rows: int
    order: int
    unit: str  # "phường", "thị trấn", "xã", or "" when the spelling has none
    name: str  # the rest, lower case
    marked: bool  # has Vietnamese letters or marks

    @property
    def key(self) -> tuple:
        """The same for spellings of the same name (case, spaces, abbreviation, tone position)."""
        return self.unit, tuple(_syllable_key(syllable) for syllable in self.name.split())

    @property
    def full(self) -> bool:
        return bool(self.unit) and self.marked


def ward_spellings(rows_by_spelling: dict[str, int]) -> dict[str, str]:
    """spelling -> the name it is counted under, for each spelling counted under another one.
    `rows_by_spelling`: each spelling's rows, in order of first appearance."""
    spellings = [_spelling(text, rows, order) for order, (text, rows) in enumerate(rows_by_spelling.items())]
    groups: dict[tuple, list[_Spelling]] = {}
    for spelling in spellings:
        groups.setdefault(spelling.key, []).append(spelling)
    full = [group for group in groups.values() if group[0].full]
    for key, group in list(groups.items()):
        if group[0].full:
            continue
        fits = [other for other in full if _fits(group[0], other[0])]
        if len(fits) == 1:
            fits[0].extend(groups.pop(key))
    renamed = {}
    for group in groups.values():
        name = max(group, key=_preference).text
        renamed |= {spelling.text: name for spelling in group if spelling.text != name}
    return renamed


def described(renamed: dict[str, str]) -> str:
    """"'Phường Cầu Giấy' ← 'phường cầu giấy', 'P. Cầu Giấy'; …" ("" when nothing was merged)."""
    under: dict[str, list[str]] = {}
    for spelling, name in renamed.items():
        under.setdefault(name, []).append(spelling)
    return "; ".join(f"'{name}' ← " + ", ".join(f"'{s}'" for s in spellings) for name, spellings in under.items())


# A ward named in a form's title: "UBND PHƯỜNG NGHĨA ĐÔ", "DANH SÁCH … TRÊN ĐỊA BÀN XÃ MINH PHÚ,
# HUYỆN SÓC SƠN NĂM 2025", "Phường/Xã: Nghĩa Đô", "PHƯỜNG 5, QUẬN 3". Not "thị xã" (a town, above
# the wards) nor "xã hội" (CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM, bảo trợ xã hội).
_UNIT_IN_TITLE = re.compile(r"(?i)(?<!\w)(?<!thị )(phường|xã|thị trấn)(?:\s*/\s*(?:phường|xã|thị trấn))*\s*:?\s+")
_NAME_ENDS = frozenset({"quận", "huyện", "thị", "thành", "tỉnh", "tp", "năm", "giai", "từ", "đến", "tháng", "ngày",
                        "phường", "xã", "cộng", "về", "thuộc", "trên", "theo", "hội"})
_NAME_WORDS = 4  # the longest ward names have four syllables


def ward_in_title(cells: list[str]) -> str | None:
    """The one ward the title cells of a ward's own list name ("Phường Nghĩa Đô", capitalised
    as a name when the title is in capitals); None when they name none, or several."""
    names = {}
    for cell in cells:
        text = nfc(cell)
        for unit in _UNIT_IN_TITLE.finditer(text):
            name = _name_after(text[unit.end():])
            if name:  # (a form's field "Phường/Xã: Nghĩa Đô" does not say which unit: the name alone)
                full = name if "/" in unit[0] else f"{_as_name(unit[1])} {name}"
                names.setdefault(full.lower(), full)
    return next(iter(names.values())) if len(names) == 1 else None


def _name_after(text: str) -> str:
    """The words of a name at the start of `text`: a number alone ("5"), or up to four words of
    letters, up to punctuation or a word that ends a name ("quận", "năm", …)."""
    words = []
    for word in re.findall(r"[^\W_]+|[^\w\s]", text):
        if word.isdigit():
            return word if not words else " ".join(words)
        if not word.isalpha() or word.lower() in _NAME_ENDS or len(words) == _NAME_WORDS:
            break
        words.append(_as_name(word))
    return " ".join(words)


def _as_name(word: str) -> str:
    """"NGHĨA" -> "Nghĩa", "phường" -> "Phường"; a word in mixed case as written."""
    return word[:1].upper() + word[1:].lower() if word.isupper() or word.islower() else word


def unit_of(ward: str) -> str:
    """"phường", "thị trấn", "xã" (written out, abbreviated "P.", "TT.", "X.", or without
    diacritics), or "" when the name does not start with its unit."""
    return _spelling(ward, 0, 0).unit


def _spelling(text: str, rows: int, order: int) -> _Spelling:
    lower = nfc(text).lower()
    marked = not lower.isascii()
    for unit, forms in (_UNITS if marked else _UNITS_WITHOUT_MARKS).items():
        form = next((f for f in forms if lower.startswith(f) and len(lower) > len(f)), None)
        if form is not None:
            return _Spelling(text, rows, order, unit, lower[len(form):].strip(), marked)
    return _Spelling(text, rows, order, "", lower, marked)


def _syllable_key(syllable: str) -> tuple[str, str]:
    """(the syllable without its tone mark, the tone mark): where the mark sits does not count."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return bare, tones


def _fits(partial: _Spelling, full: _Spelling) -> bool:
    """Whether a spelling without its unit or its diacritics can be this full one."""
    if partial.marked:  # no unit: the same name
        return partial.key[1] == full.key[1]
    if partial.unit and partial.unit != full.unit:
        return False
    return partial.name == strip_diacritics(full.name)


def _preference(spelling: _Spelling) -> tuple:
    """The spelling a group is counted under: a full one, capitalised, unabbreviated, most rows, first."""
    words = spelling.text.split()
    name_words = words[len(words) - len(spelling.name.split()):]  # ("Thị trấn" keeps its small t)
    capitalised = words[0][:1].isupper() and all(word[:1].isupper() for word in name_words if word[:1].isalpha())
    abbreviated = "." in spelling.text
    return spelling.full, capitalised, not abbreviated, spelling.rows, -spelling.order
