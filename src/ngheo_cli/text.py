"""Text helpers shared by header matching, category matching and value parsing."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# A note in brackets at the end of a header or cell: a unit, or a form's column number ("(đồng)", "(5)")
BRACKETED_END = re.compile(r"\s*\(([^()]*)\)$")


def nfc(text: str) -> str:
    """Unicode NFC with non-breaking spaces turned into spaces and runs of space folded."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(text.split())


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """The matching key of a header or a category: no case, diacritics, spaces or punctuation.

    "Mã  hộ", "MÃ HỘ", "ma ho" and "ma_ho" all fold to "maho".
    """
    return _NON_ALNUM.sub("", strip_diacritics(nfc(str(text))).lower())
