"""Spotting text typed in the legacy Vietnamese font encodings (TCVN3/ABC, VNI).

Such text reads as Latin-1 mojibake ("Hµ Néi", "Haø Noäi") once opened without the old font.
It uses Latin-1 characters that Vietnamese never does (µ ¸ ¶ ¹ ¨ ø ä ï …), while real Vietnamese
only uses the Latin-1 vowels with grave, acute, circumflex and tilde. The file must be converted
(Unikey's "Chuyển mã" does it), since guessing the conversion could silently change names.
"""

from __future__ import annotations

from collections.abc import Iterable

_TELLTALE = set("µ¸¶·¹¨©®ª«¬¯±²³´¼½¾¡¢£¤¥¦§ÖרÜÞßæçëîïñö÷øûüþ")
HINT = (
    "the text looks typed in a legacy Vietnamese font encoding (TCVN3/ABC or VNI): "
    "convert the file to Unicode first (for example with Unikey's 'Chuyển mã'), then run again"
)


def looks_legacy(texts: Iterable[object], sample: int = 2000) -> bool:
    """True when at least 3 cells, and a fifth of the non-ASCII ones, carry telltale characters."""
    non_ascii = telltale = 0
    for count, text in enumerate(texts):
        if count >= sample:
            break
        if not isinstance(text, str) or text.isascii():
            continue
        non_ascii += 1
        if any(ch in _TELLTALE for ch in text):
            telltale += 1
    return telltale >= 3 and telltale * 5 >= non_ascii
