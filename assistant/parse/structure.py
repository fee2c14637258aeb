"""From a notice's lines to its metadata and work points.

Headings nest by the order their numbering styles first appear (一、 above （一） above 1.,
or the reverse where a notice does so); 第X章/节 are always headings and 第X条 always a
work point. A numbered line with numbered children is a heading; one without is a work
point, and so is a heading whose own text says more than its title. Unnumbered lines
belong to the work point above them; responsibility lines set its units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.parse.targets import extract_targets, sentences
from assistant.parse.units import (
    FIRST_IS_LEAD,
    lead_and_responsible,
    parse_responsibility_line,
    parse_trailing_parenthesis,
)
from assistant.records import NoticeInfo, WorkPoint

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
_FIXED_HEADINGS = ("part", "chapter", "section")
#: Page furniture of government websites: never content.
NOISE = re.compile(
    r"^(网站无障碍|适老版|无障碍|索引号|主题分类|发文机关|发文字号|成文日期|发布日期|相关解读|"
    r"扫一扫|打印|关闭|【|字号|分享到|来源[:：]|责任编辑|附件下载)"
)
NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号)")
DECREE = re.compile(r"(国务院令)\s*第\s*([\d" + CN_NUM + r"]+)\s*号")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_CN_DATE = re.compile(rf"^([{CN_NUM}]{{4}})年([{CN_NUM}]{{1,3}})月([{CN_NUM}]{{1,3}})日$")
_LABELLED_DATE = {
    "date": re.compile(r"成文日期\s*[:：]\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"),
    "published": re.compile(r"发布日期\s*[:：]\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"),
}
_TITLE_END = re.compile(r"(通知|意见|方案|办法|规定|条例|决定|批复|复函|函|答复|通报|要点|规划|细则|报告|公告|通告|请示)$")
_ISSUER_SUFFIX = re.compile(r"(国务院办公厅|国务院|人民政府办公室|人民政府办公厅|人民政府|委员会|办公室|办公厅|部|局|委)$")
_CLOSING = re.compile(r"^[（(](此件|本文|此文)[^）)]*[）)]$|^附件[:：]?|^抄送[:：]|^(联系人|联系电话)[:：]")


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


def iso_date(text: str) -> str:
    """``2019年08月19日`` or ``二〇〇五年七月十四日`` → ``2019-08-19``; "" when the text holds no date."""
    m = _DATE.search(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = _CN_DATE.match(text.strip())
        if not m:
            return ""
        y, mo, d = (cn_to_int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 1900 < y < 2200):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


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


@dataclass
class _Node:
    style: str
    label: str
    lines: list[str]
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def heading(self) -> str:
        """The label and first line as printed, e.g. ``（一）优化国土空间开发格局``."""
        first = self.lines[0] if self.lines else ""
        sep = "" if self.style in ("paren_cn", "paren_arabic", "circled") else ("、" if self.style == "cn" else " ")
        if self.style == "arabic":
            sep = ". "
        return f"{self.label}{sep}{first}".strip()

    def path(self) -> list[str]:
        out, node = [], self.parent
        while node is not None and node.style != "root":
            out.append(_title_of(node.heading))
            node = node.parent
        return out[::-1]


def _title_of(text: str) -> str:
    """A work point's or heading's title: its first sentence, without the final stop."""
    line = text.strip().split("\n", 1)[0]
    first = sentences(line)[0] if sentences(line) else line
    return first.rstrip("。；;：:")


def _label_of(style: str, label: str) -> str:
    """Item label as printed, with brackets made full-width so （五） and (五) are one label."""
    if style in ("paren_cn", "paren_arabic"):
        return "（" + label[1:-1] + "）"
    return label


def parse_metadata(lines: list[str], title: str = "", source: str = "") -> tuple[NoticeInfo, int]:
    """Read title, 文号, issuer and dates from a notice's head.

    Returns:
        The metadata and the index of the first body line (after the title block and the addressee).
    """
    info = NoticeInfo(source=source)
    head = lines[:40]
    for key, pattern in _LABELLED_DATE.items():
        for line in head:
            m = pattern.search(line)
            if m:
                setattr(info, key, iso_date(m.group(1)))
                break
    for line in head:
        m = NUMBER.search(line)
        if m:
            info.number = re.sub(r"\s+", "", m.group(1))
            break
    else:
        # A decree prints "中华人民共和国国务院令" and "第706号" as its first lines.
        m = DECREE.search("".join(head[:3]))
        if m:
            info.number = f"{m.group(1)}第{m.group(2)}号"
    body_start = 0
    title_lines: list[str] = []
    for i, line in enumerate(head):
        if NOISE.match(line) or NUMBER.fullmatch(line) or DECREE.search(line) and len(line) < 20:
            continue
        if line.endswith(("：", ":")) and len(line) < 120:
            body_start = i + 1
            break
        if match_heading(line) or len(line) > 60:
            break
        if not title_lines or len("".join(title_lines)) < 80:
            if _TITLE_END.search("".join(title_lines)) and title_lines:
                continue
            title_lines.append(line)
    guessed = "".join(title_lines)
    info.title = title or (guessed if _TITLE_END.search(guessed) else "")
    m = re.match(r"^(.{2,40}?)(转发|批转|印发|关于|对)", info.title)
    if m and _ISSUER_SUFFIX.search(m.group(1)):
        info.issuer = m.group(1)
    elif info.number.startswith("国务院令"):
        info.issuer = "国务院"
    # The signature block at the end: issuer line then date line.
    tail = [x for x in lines[-8:] if x]
    for i in range(len(tail) - 1, -1, -1):
        d = iso_date(tail[i]) if len(tail[i]) <= 16 else ""
        if d:
            if not info.date:
                info.date = d
            if not info.issuer and i > 0 and _ISSUER_SUFFIX.search(tail[i - 1]) and len(tail[i - 1]) <= 30:
                info.issuer = tail[i - 1]
            break
    if not info.date:
        for line in head:
            if len(line) <= 16 and iso_date(line):
                info.date = iso_date(line)
                break
    m = re.search(r"[〔\[［(（](\d{4})[〕\]］)）]", info.number)
    info.year = int(m.group(1)) if m else (int(info.date[:4]) if info.date else None)
    return info, body_start


def _is_closing(line: str, issuer: str) -> bool:
    """The signature, the date or a note such as （此件公开发布） after the last work point."""
    if _CLOSING.match(line):
        return True
    if len(line) <= 16 and iso_date(line) and iso_date(line) != "":
        return True
    return bool(issuer and line == issuer) or (len(line) <= 12 and bool(_ISSUER_SUFFIX.search(line)) and "。" not in line)


#: Table header cells (spaces removed) → what the column holds. Checked in order; first match wins.
_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("label", re.compile(r"^(序号|编号|序)$")),
    ("牵头单位", re.compile(r"牵头|主责")),
    ("配合单位", re.compile(r"配合|协办")),
    ("参与单位", re.compile(r"参与")),
    ("指导单位", re.compile(r"指导(单位|部门)")),
    ("责任单位", re.compile(r"责任(单位|部门|主体)|负责(单位|部门)")),
    ("title", re.compile(r"任务|举措|事项|措施|项目|名称|内容|工作|要点")),
)


def _column_roles(cells: list[str]) -> list[str] | None:
    """What each column of a task table holds, or None when the row is not such a header."""
    roles = []
    for cell in cells:
        cell = re.sub(r"\s+", "", cell)
        roles.append(next((role for role, pattern in _COLUMNS if pattern.search(cell)), cell))
    has_units = any(r.endswith("单位") for r in roles)
    return roles if has_units and "title" in roles else None


def table_rows_to_lines(lines: list[str]) -> list[str]:
    """Rewrite a task table (序号 | 任务 | 内容 | 牵头单位 | 责任单位 …) as numbered lines and unit lines.

    Work-point notices often list their tasks in a table; the readers give each row as one line
    with tab-separated cells. Each row becomes ``N. 任务。内容`` followed by ``牵头单位:…`` lines,
    the form the structure parser reads; rows that are not of the table (category rows such as
    ``一、知识产权保护方面``) pass through and become headings.
    """
    out: list[str] = []
    header: list[str] | None = None
    for line in lines:
        cells = [c.strip() for c in line.split("\t")]
        roles = _column_roles(cells) if len(cells) >= 3 else None
        if roles:
            header = roles
            continue
        if header is None or len(cells) != len(header):
            if "\t" in line:
                header = None
            out.append(line)
            continue
        row = dict(zip(header, cells, strict=True))
        titles = [c for h, c in zip(header, cells, strict=True) if h == "title" and c]
        details = titles[1:] + [
            f"{h}：{c}" for h, c in zip(header, cells, strict=True) if c and h not in ("label", "title") and not h.endswith("单位")
        ]
        label = row.get("label") or str(sum(1 for x in out if re.match(r"^\d+\. ", x)) + 1)
        title = titles[0].rstrip("。") if titles else ""
        out.append(f"{label}. {title}。" + "".join(d if d.endswith("。") else d + "。" for d in details))
        out += [f"{h}:{c}" for h, c in row.items() if h.endswith("单位") and c]
    return out


def parse_structure(lines: list[str], info: NoticeInfo, body_start: int = 0) -> list[WorkPoint]:
    """Nest a notice's body lines into headings and work points.

    Args:
        lines: the notice's paragraphs, one a line (from :mod:`assistant.parse.readers`).
        info: its metadata, used to recognise the signature block.
        body_start: index of the first body line.

    Returns:
        Work points in document order; each carries its heading path, responsibility and targets.
    """
    lines = lines[:body_start] + table_rows_to_lines(lines[body_start:])
    root = _Node("root", "", [])
    preamble = _Node("preamble", "导语", [])
    stack: list[_Node] = [root]
    current: _Node | None = None
    closed = False
    joined = "\n".join(lines)
    first_is_lead = bool(FIRST_IS_LEAD.search(joined))

    for line in lines[body_start:]:
        line = line.strip()
        if not line or NOISE.match(line):
            continue
        roles = parse_responsibility_line(line)
        if roles is not None:
            if current is not None:
                for unit, role in roles.items():
                    current.roles.setdefault(unit, role)
            continue
        heading = match_heading(line)
        in_article = any(n.style == "article" for n in stack)
        if heading and not (in_article and heading[0] not in ("article", *_FIXED_HEADINGS)):
            style, label, rest = heading
            if style in _FIXED_HEADINGS or style == "article":
                order = ["root", *_FIXED_HEADINGS, "article"]
                while stack[-1].style != "root" and (
                    stack[-1].style not in order or order.index(stack[-1].style) >= order.index(style)
                ):
                    stack.pop()
            elif any(n.style == style for n in stack):
                while stack[-1].style != style:
                    stack.pop()
                stack.pop()
            node = _Node(style, label, [rest] if rest else [], parent=stack[-1])
            stack[-1].children.append(node)
            stack.append(node)
            current, closed = node, False
            continue
        if closed or _is_closing(line, info.issuer):
            closed = current is not None or closed
            continue
        if current is None:
            if not (info.title and line in info.title) and not NUMBER.search(line[:30]):
                preamble.lines.append(line)
        else:
            current.lines.append(line)

    items: list[WorkPoint] = []
    if preamble.lines:
        items.append(_to_point(preamble, [], first_is_lead))

    def walk(node: _Node) -> None:
        for child in node.children:
            own = " ".join(child.lines)
            if not child.children:
                if own.strip():
                    items.append(_to_point(child, child.path(), first_is_lead))
            else:
                if child.style != "chapter" and len(sentences(own)) > 1:
                    items.append(_to_point(child, child.path(), first_is_lead))
                walk(child)

    walk(root)
    return items


def _to_point(node: _Node, path: list[str], first_is_lead: bool) -> WorkPoint:
    text = "\n".join(node.lines).strip()
    roles = dict(node.roles)
    # The parenthesis ends the measure's paragraph, which is not always the last one kept.
    for line in reversed(node.lines):
        paren_roles, _ = parse_trailing_parenthesis(line, first_is_lead)
        if paren_roles:
            for unit, role in paren_roles.items():
                roles.setdefault(unit, role)
            break
    lead, responsible = lead_and_responsible(roles)
    return WorkPoint(
        item=_label_of(node.style, node.label),
        path=path,
        title=_title_of(text),
        text=text,
        lead=lead,
        responsible=responsible,
        roles=roles,
        targets=extract_targets(text),
    )
