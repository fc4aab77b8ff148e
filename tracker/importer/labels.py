"""Number labels of the genre: "一、", "（一）", "(一)", "1、", "1.", "（1）", "第一，", "一是"…"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT = "[一二三四五六七八九]"
# Up to 999: "三", "十一", "九十九", and "一百", "一百零五" ("〇" too, as Word writes it), "一百一十",
# "二百三十四". A report may number more than 99 measures, and none may be lost.
CN_NUM = rf"(?:{_CN_DIGIT}百(?:[零〇]{_CN_DIGIT}|{_CN_DIGIT}?十{_CN_DIGIT}?)?|[一二三四五六七八九十]{{1,3}})"

# Label styles, from the highest level a report usually uses to the lowest.
CHAPTER = "chapter"  # 第一部分
CN = "cn"  # 一、
PAREN_CN = "paren_cn"  # （一）
AR = "ar"  # 1、 1.
PAREN_AR = "paren_ar"  # （1）
ORDINAL = "ordinal"  # 第一，
INLINE = "inline"  # 一是
CIRCLED = "circled"  # ①

TOP_STYLES = frozenset({CHAPTER, CN, AR})
RUN_IN_STYLES = frozenset({INLINE, ORDINAL})  # labels that also number clauses inside a sentence

_SPACE = r"[ \t\u3000\xa0]*"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (CHAPTER, re.compile(rf"^第({CN_NUM})(?:部分|章|篇){_SPACE}[、，,：:．.]?{_SPACE}")),
    (PAREN_CN, re.compile(rf"^[（(]{_SPACE}({CN_NUM}){_SPACE}[)）]{_SPACE}[、，,．.]?{_SPACE}")),
    (PAREN_AR, re.compile(rf"^[（(]{_SPACE}(\d{{1,3}}){_SPACE}[)）]{_SPACE}[、，,．.]?{_SPACE}")),
    (CN, re.compile(rf"^({CN_NUM}){_SPACE}[、．.，,]{_SPACE}")),
    # "1." but not "1.5亿元"; "1、" and "1，" too.
    (AR, re.compile(rf"^(\d{{1,3}}){_SPACE}(?:[、，,]|[.．](?![0-9０-９])){_SPACE}")),
    (ORDINAL, re.compile(rf"^第({CN_NUM})[，,、：:]{_SPACE}")),
    (INLINE, re.compile(rf"^(?:其)?({CN_NUM})是")),
    (CIRCLED, re.compile(r"^([\u2460-\u2473])" + _SPACE)),
)


@dataclass(frozen=True)
class Label:
    style: str
    number: int
    text: str  # as printed, trimmed: "（一）", "1、", "一是"


def cn_to_int(numeral: str) -> int:
    """Chinese numerals up to 999: "三" 3, "十" 10, "十一" 11, "二十一" 21, "一百" 100, "一百零五" 105,
    "一百一十" 110, "一百十" 110."""
    hundreds, by_hundred, rest = numeral.partition("百")
    if by_hundred:
        rest = rest.lstrip("零〇")
        return (CN_DIGITS[hundreds] if hundreds else 1) * 100 + (cn_to_int(rest) if rest else 0)
    if "十" not in numeral:
        value = 0
        for ch in numeral:
            value = value * 10 + CN_DIGITS[ch]
        return value
    tens, _, units = numeral.partition("十")
    return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[units] if units else 0)


def int_to_cn(value: int) -> str:
    """The Chinese numeral of 0 to 999 ("十一", "一百零五", "一百一十"); Arabic digits from 1000 on."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    if value >= 1000:
        return str(value)
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    if not hundreds:
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")
    if not rest:
        return digits[hundreds] + "百"
    if not tens:
        return digits[hundreds] + "百零" + digits[units]
    return digits[hundreds] + "百" + digits[tens] + "十" + (digits[units] if units else "")


def parse_label(text: str) -> tuple[Label | None, str]:
    """Split a paragraph into its leading number label (or None) and the rest of the text."""
    for style, pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        raw = match.group(1)
        if style == CIRCLED:
            number = ord(raw) - 0x2460 + 1
        elif raw.isdigit():
            number = int(raw)
        else:
            number = cn_to_int(raw)
        if number < 1:
            continue
        rest = text[match.end() :]
        if style == INLINE and not rest:
            continue
        return Label(style, number, match.group(0).strip(" \t\u3000\xa0")), rest
    return None, text
