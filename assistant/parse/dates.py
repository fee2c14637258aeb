"""Dates and document numbers (文号) as notices print them."""

from __future__ import annotations

import re

from assistant.parse.numbering import CN_NUM, cn_to_int

#: A 发文字号: 国办发〔2019〕3号, 东政办[2019]138号 (any bracket style).
NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号)")
#: A decree prints "中华人民共和国国务院令" and "第706号" as its first lines.
DECREE = re.compile(r"(国务院令)\s*第\s*([\d" + CN_NUM + r"]+)\s*号")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DATE = re.compile(rf"([{CN_NUM}]{{4}})年([{CN_NUM}]{{1,3}})月([{CN_NUM}]{{1,3}})日")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年")
#: A line that is only a date, as a signature or a report's head prints it.
DATE_LINE_CHARS = 16


def iso_date(text: str) -> str:
    """``2019年08月19日`` or ``二〇〇五年七月十四日`` → ``2019-08-19``; "" when the text holds no date."""
    m = _DATE.search(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _CN_DATE.search(text.strip())
        if not m:
            return ""
        y, mo, d = (cn_to_int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 < y < 2200):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


def is_date_line(line: str) -> bool:
    """A line that prints a date and little else (a signature date, a report's date line)."""
    line = line.strip()
    return len(line) <= DATE_LINE_CHARS and bool(iso_date(line))


def number_year(number: str) -> int | None:
    """The year a 文号 names: 国办发〔2019〕3号 → 2019."""
    m = re.search(r"[〔\[［(（](\d{4})[〕\]］)）]", number)
    return int(m.group(1)) if m else None


def single_year(text: str) -> int | None:
    """The year a text names when it names exactly one (a title: 2021年民生实事工作目标 → 2021)."""
    years = {int(y) for y in _YEAR.findall(text)}
    return years.pop() if len(years) == 1 else None


def normalise_number(text: str) -> str:
    """A 文号 without its spaces."""
    return re.sub(r"\s+", "", text)
