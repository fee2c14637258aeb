"""Site furniture: what a web page prints around a notice (menus, its information table, links).

A notice saved from a government website carries the site's navigation before its text (often
dozens of menu lines), an information table (索引号 / 发文字号 / 成文日期 …), and after it blocks of
links to other notices (相关解读 …), share buttons and a footer. None of it is the notice, wherever
it sits; the information table still says who issued it, under which 文号 and when, so its fields are
kept (:func:`info_fields`) before the lines are dropped (:func:`strip_furniture`).
"""

from __future__ import annotations

import re

from assistant.parse.vocab import INFO_FIELDS, MENU_WORDS, RELATED_BLOCKS, SITE_NOISE

NOISE = re.compile("^(?:" + "|".join(SITE_NOISE) + ")")
_MENU_WORD = "|".join(sorted((re.escape(w) for w in MENU_WORDS), key=len, reverse=True))
#: A line of menu words only, in any separators: "打印", "【大 中 小】", "首页 | 简 | 繁 | EN".
_MENU_LINE = re.compile(rf"^[\s|｜/·•>»›【】\[\]]*(?:(?:{_MENU_WORD})[\s|｜/·•>»›【】\[\]]*)+$")
_RELATED = re.compile("^(?:" + "|".join(RELATED_BLOCKS) + r")\s*[:：]?\s*$")
_FIELD_LABEL = re.compile(r"(" + "|".join(sorted(INFO_FIELDS, key=len, reverse=True)) + r")\s*[:：]")
#: Breaks inside a line that a sentence of a notice prints; a menu item has none.
_PUNCT = re.compile(r"[，。；：:！？、,;!?（）()《》“”]")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|第.{1,4}[章节条])")
_HAS_DIGIT_DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|〔\d{4}〕|号$")
#: A run of at least this many short unpunctuated lines is a menu, not a title block (at most 3 lines).
MENU_RUN = 4
#: A menu item is at most this long (a title line is usually longer, and is followed by a 文号 or date).
MENU_ITEM = 10
#: A link in a block of related links is at most this long and prints no full stop.
LINK_LINE = 80


def is_noise(line: str) -> bool:
    """A line of site furniture by itself: a field label, a menu line, a share button, a footer line."""
    line = line.strip()
    return bool(NOISE.match(line) or _MENU_LINE.match(line))


def info_fields(lines: list[str]) -> dict[str, str]:
    """The fields of a site's information table: ``{"number": "国办发〔2019〕3号", "issuer": …, "date": …}``.

    Labels may share a line ("索引号: 发文字号: 东政办〔2019〕138号") or sit in table cells separated by
    tabs; an empty value is skipped. The first value of each field wins.
    """
    fields: dict[str, str] = {}
    for line in lines[:300]:
        line = line.replace("\t", " ")
        found = list(_FIELD_LABEL.finditer(line))
        if not found or found[0].start() > 0:
            continue
        for m, nxt in zip(found, [*found[1:], None], strict=True):
            value = line[m.end() : nxt.start() if nxt else len(line)].strip()
            key = INFO_FIELDS[m.group(1)]
            if key and value and key not in fields:
                fields[key] = value
    return fields


def _menu_item(line: str) -> bool:
    return (
        len(line) <= MENU_ITEM
        and "\t" not in line
        and not _PUNCT.search(line)
        and not _NUMBERED.match(line)
        and not _HAS_DIGIT_DATE.search(line)
    )


def strip_furniture(lines: list[str], title: str = "") -> list[str]:
    """The lines of a page without its site furniture.

    Dropped: lines :func:`is_noise` names; runs of :data:`MENU_RUN` or more short unpunctuated lines
    (a menu: a title block is one to three lines and is followed by a 文号, a date or an addressee);
    a block of related links after the notice's text has begun (相关解读 and the link titles after it,
    up to the first paragraph, numbered item, attachment or the notice's own title).

    Args:
        lines: the page's lines, from :mod:`assistant.parse.readers`.
        title: the page's own title, where known: a link block ends where the notice begins.
    """
    key = re.sub(r"\s+", "", title)
    drop = [is_noise(line) for line in lines]

    def menu_item(line: str) -> bool:  # a line of the notice's own title is never a menu item
        return _menu_item(line) and not (len(line) >= 4 and key and re.sub(r"\s+", "", line) in key)

    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and (drop[j] or menu_item(lines[j])):
            j += 1
        if sum(1 for k in range(i, j) if not drop[k]) >= MENU_RUN:
            drop[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    started = False  # a block of links is told from a title block only once the notice's text has begun
    for i, line in enumerate(lines):
        started = started or (not drop[i] and (len(line) > LINK_LINE or "。" in line))
        if not started or not _RELATED.match(line):
            continue
        drop[i] = True
        for j in range(i + 1, len(lines)):
            text = lines[j]
            if (
                len(text) > LINK_LINE
                or "。" in text
                or _NUMBERED.match(text) and not re.search(r"[》]|通知|意见|解读", text)
                or text.startswith("附件")
                or key and re.sub(r"\s+", "", text) in key and len(text) >= 6
            ):
                break
            drop[j] = True
    return [line for line, gone in zip(lines, drop, strict=True) if not gone]
