"""Numbering styles notices print (一、 （一） 1. 1． 1、 (1) ① 第X条/章/节), and Chinese numerals."""

from __future__ import annotations

import re

CN_NUM = "一二三四五六七八九十百零〇两"
#: Numbering styles: name → pattern capturing (label, rest of line).
STYLES: dict[str, re.Pattern[str]] = {
    "part": re.compile(rf"^(第[{CN_NUM}\d]+[编部分])\s*(.*)$"),
    "chapter": re.compile(rf"^(第[{CN_NUM}\d]+章)\s*(.*)$"),
    "section": re.compile(rf"^(第[{CN_NUM}\d]+节)\s*(.*)$"),
    "article": re.compile(rf"^(第[{CN_NUM}\d]+条)[\s\u3000]*(.*)$"),
    "cn": re.compile(rf"^([{CN_NUM}]+)[、.．]\s*(.+)$"),
    "paren_cn": re.compile(rf"^([（(][{CN_NUM}]+[）)])\s*(.+)$"),
    "arabic": re.compile(r"^(\d{1,3})(?:[、．]|\.(?!\d))\s*(.+)$"),
    "paren_arabic": re.compile(r"^([（(]\d{1,3}[）)])\s*(.+)$"),
    "circled": re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*(.+)$"),
}
FIXED_HEADINGS = ("part", "chapter", "section")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_to_int(s: str) -> int:
    """Chinese numerals to an integer: 十二 → 12, 二〇〇五 → 2005."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    if all(c in digits for c in s):
        return int("".join(str(digits[c]) for c in s))
    total, num = 0, 0
    for c in s:
        if c in digits:
            num = digits[c]
        elif c == "十":
            total += (num or 1) * 10
            num = 0
        elif c == "百":
            total += (num or 1) * 100
            num = 0
    return total + num


def match_heading(line: str) -> tuple[str, str, str] | None:
    """``(style, label, rest)`` when the line starts with a numbering label, else None."""
    for style, pattern in STYLES.items():
        m = pattern.match(line)
        if m:
            label, rest = m.group(1), m.group(2).strip()
            if style == "cn" and len(label) > 3:
                return None
            return style, label, rest
    return None


def label_number(label: str) -> int | None:
    """The number a label counts: 三 → 3, （十二） → 12, 7 → 7, ③ → 3, 第五条 → 5; None for others."""
    core = re.sub(r"^第|[条章节编部分]$", "", label.strip("（）()"))
    if core.isdigit():
        return int(core)
    if core and all(c in CN_NUM for c in core):
        return cn_to_int(core)
    if len(core) == 1 and core in _CIRCLED:
        return _CIRCLED.index(core) + 1
    return None


def label_of(style: str, label: str) -> str:
    """Item label as printed, with brackets made full-width so （五） and (五) are one label."""
    if style in ("paren_cn", "paren_arabic"):
        return "（" + label[1:-1] + "）"
    return label
