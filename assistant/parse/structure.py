"""From a notice's lines to its work points, part by part.

Headings nest by the order their numbering styles first appear (一、 above （一） above 1.,
or the reverse where a notice does so); 第X章/节 are always headings and 第X条 always a
work point. A numbered line with numbered children is a heading; one without is a work
point, and so is a heading whose own text says more than its title. Unnumbered lines
belong to the work point above them; responsibility lines set its units; field lines
(``目标任务：`` and the numbered lines under it) belong to the task above.

Each part of a notice (its body, each attachment, a closing task list: :mod:`.parts`) is numbered
on its own; its work points carry its label and its title heads their path. A long prose section
(a work report's body) becomes one work point per paragraph (``第N段``), and so does a notice
printed without any numbering (a 批复, a 函), so a figure in one paragraph is not buried in pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.parse.dates import NUMBER, is_date_line, single_year
from assistant.parse.noise import is_noise
from assistant.parse.numbering import CN_NUM, FIXED_HEADINGS, cn_to_int, label_of, match_heading
from assistant.parse.parts import BODY, Part, split_parts
from assistant.parse.targets import extract_targets, sentences
from assistant.parse.units import (
    FIRST_IS_LEAD,
    Group,
    parse_responsibility_line,
    read_parentheses,
    summarise,
)
from assistant.parse.vocab import ISSUER_SUFFIXES, LIST_CUES, RESULT_CUES, TASK_FIELDS
from assistant.records import NoticeInfo, WorkPoint

__all__ = ["CN_NUM", "cn_to_int", "match_heading", "parse_structure", "table_rows_to_lines"]

PREAMBLE = "导语"
_ISSUER_SUFFIX = re.compile(rf"(?:{'|'.join(ISSUER_SUFFIXES)})$")
_CLOSING = re.compile(r"^[（(](此件|本文|此文)[^）)]*[）)]$|^附件[:：]?|^抄送[:：]|^(联系人|联系电话)[:：]")
_LISTED = re.compile(r"^\d{1,2}\s*[.．、][^。]{1,60}$")
_FIELD = re.compile(rf"^(?:{'|'.join(TASK_FIELDS)})\s*[:：]\s*")
#: A section whose own text runs longer than this over several paragraphs is indexed by paragraph.
LONG_SECTION = 1000
#: A closing paragraph this short that ends in a colon announces the numbered sections below it.
TITLE_CHARS = 40
#: A section's first line of one sentence up to this long is its title, not a paragraph of it.
TITLE_LINE = 120


def _is_closing(line: str, issuer: str) -> bool:
    """The signature, the date or a note such as （此件公开发布） after the last work point."""
    if _CLOSING.match(line) or is_date_line(line):
        return True
    return bool(issuer and line == issuer) or (len(line) <= 12 and bool(_ISSUER_SUFFIX.search(line)) and "。" not in line)


@dataclass
class _Node:
    style: str
    label: str
    lines: list[str]
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)

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


_RESPONSIBILITY_PAREN = re.compile(r"\s*[（(][^（）()]*(?:牵头|负责|配合|参与|指导|单位|部门)[^（）()]*[）)]")


def _title_of(text: str) -> str:
    """A work point's or heading's title: its first sentence, without the final stop or a unit parenthesis."""
    line = text.strip().split("\n", 1)[0]
    first = sentences(line)[0] if sentences(line) else line
    bare = _RESPONSIBILITY_PAREN.sub("", first).strip()
    return (bare or first).rstrip("。；;：:，,")


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
    """Nest a notice's body lines into headings and work points, part by part.

    Args:
        lines: the notice's paragraphs, one a line (site furniture dropped).
        info: its metadata, used to recognise the signature block; its ``task_part`` is set to the
            part that holds the notice's task list (:func:`task_part`).
        body_start: index of the first body line.

    Returns:
        Work points in document order; each carries its part, heading path, responsibility and targets.
    """
    parts = split_parts(lines, body_start)
    first_is_lead = bool(FIRST_IS_LEAD.search("\n".join(lines)))
    items: list[WorkPoint] = []
    for part in parts:
        items += _parse_part(table_rows_to_lines(lines[part.start : part.end]), part, info, first_is_lead)
    info.task_part = task_part(parts, items, info.year)
    return items


def _parse_part(lines: list[str], part: Part, info: NoticeInfo, first_is_lead: bool) -> list[WorkPoint]:
    root = _Node("root", "", [])
    preamble = _Node("preamble", PREAMBLE, [])
    stack: list[_Node] = [root]
    current: _Node | None = None
    absorbing: _Node | None = None  # a task whose field label (目标任务：) takes the numbered lines under it
    closed = False
    listing = False  # inside "附件：1.XX\n2.YY", the list of attachments before the signature
    for line in lines:
        line = line.strip()
        if not line or is_noise(line):
            continue
        listing = bool(line.startswith("附件") and _CLOSING.match(line)) or (listing and bool(_LISTED.match(line)))
        if listing:
            closed = closed or current is not None
            continue
        pairs = parse_responsibility_line(line)
        if pairs is not None:
            if current is not None and not closed:
                current.pairs += pairs
            absorbing = None
            continue
        heading = match_heading(line) or _next_number(line, stack)
        if absorbing is not None and heading and heading[0] not in {n.style for n in stack}:
            absorbing.lines.append(line)
            continue
        in_article = any(n.style == "article" for n in stack)
        if heading and not (in_article and heading[0] not in ("article", *FIXED_HEADINGS)):
            style, label, rest = heading
            if style in FIXED_HEADINGS or style == "article":
                order = ["root", *FIXED_HEADINGS, "article"]
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
            current, closed, absorbing = node, False, None
            continue
        if closed or _is_closing(line, info.issuer):
            closed = current is not None or closed
            continue
        if current is None:
            if not (info.title and line in info.title) and not NUMBER.search(line[:30]):
                preamble.lines.append(line)
        else:
            current.lines.append(line)
            if _FIELD.fullmatch(line):
                absorbing = current

    prefix = [part.title] if part.title else []
    items: list[WorkPoint] = []
    if preamble.lines:
        prose = not root.children  # a notice printed without numbering is read by paragraph
        items += _points(preamble, prefix, part, first_is_lead, by_paragraph=prose)

    def walk(node: _Node) -> None:
        for child in node.children:
            own = " ".join(child.lines)
            if not child.children:
                if own.strip():
                    items.extend(_points(child, prefix + child.path(), part, first_is_lead))
            else:
                if child.style != "chapter" and len(sentences(own)) > 1:
                    items.extend(_points(child, prefix + child.path(), part, first_is_lead))
                walk(child)

    walk(root)
    return items


_DIGIT_AFTER_DOT = re.compile(r"^(\d{1,3})\.(\d.*)$")


def _next_number(line: str, stack: list[_Node]) -> tuple[str, str, str] | None:
    """``62.20户以上…``: the next arabic label of the list above, though a figure follows its dot.

    Alone, ``1.5万亩`` at a line's start reads as a decimal; after item 61 of a list, ``62.`` is item 62.
    """
    m = _DIGIT_AFTER_DOT.match(line)
    last = next((n for n in reversed(stack) if n.style == "arabic"), None)
    if m and last is not None and last.label.isdigit() and int(m.group(1)) == int(last.label) + 1:
        return "arabic", m.group(1), m.group(2)
    return None


def _paragraphs(lines: list[str]) -> list[str]:
    """A section's paragraphs; one that ends by announcing the next (现函复如下：) is joined to it, and
    the rows of a table (tab-separated cells) are one paragraph."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if out and (out[-1].endswith(("：", ":")) or "\t" in line and "\t" in lines[i - 1]):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def _points(
    node: _Node, path: list[str], part: Part, first_is_lead: bool, by_paragraph: bool = False
) -> list[WorkPoint]:
    """The work points of one node: itself, or one per paragraph of a long prose section.

    A split section's first line, where it is only the section's title, heads the paragraphs' path;
    where it is a paragraph itself, it keeps the section's label.
    """
    label = label_of(node.style, node.label)
    paragraphs = _paragraphs(node.lines)
    long_prose = node.style != "preamble" and len(paragraphs) > 1 and sum(map(len, paragraphs)) > LONG_SECTION
    split = by_paragraph and len(paragraphs) > 1 or long_prose
    if not split or node.pairs or read_parentheses("\n".join(node.lines)):  # a task with units stays whole
        return [_to_point(label, path, node.lines, part, first_is_lead, node.pairs)]
    out: list[WorkPoint] = []
    number = 1
    if node.children and len(paragraphs[-1]) <= TITLE_CHARS and paragraphs[-1].endswith(("：", ":")):
        paragraphs.pop()  # "重点做好以下工作：" announces the numbered sections after it
    if node.style != "preamble":
        first = paragraphs.pop(0)
        if len(sentences(first)) > 1 or len(first) > TITLE_LINE:
            out.append(_to_point(label, path, [first], part, first_is_lead, []))
            number = 2
        path = [*path, _title_of(node.heading)]
    for n, paragraph in enumerate(paragraphs, number):
        out.append(_to_point(f"第{n}段", path, paragraph.split("\n"), part, first_is_lead, []))
    return out


def _to_point(
    item: str,
    path: list[str],
    lines: list[str],
    part: Part,
    first_is_lead: bool,
    pairs: list[tuple[str, str]],
) -> WorkPoint:
    text = "\n".join(lines).strip()
    groups = ([Group(list(pairs))] if pairs else []) + read_parentheses(text, first_is_lead)
    who = summarise(groups, text)
    return WorkPoint(
        item=item,
        path=path,
        title=_title_of(text),
        text=text,
        lead=who.lead,
        responsible=who.responsible,
        roles=who.roles,
        targets=extract_targets(text),
        part=part.label,
        more_roles=who.more_roles,
        quotes=who.quotes,
    )


def _numbered(point: WorkPoint) -> bool:
    return point.item != PREAMBLE and not (point.item.startswith("第") and point.item.endswith("段"))


def task_part(parts: list[Part], items: list[WorkPoint], year: int | None) -> str:
    """The label of the part that holds the notice's task list, or "" when it prints none apart from its body.

    A part is a task list when its title names one (实事, 清单, 任务 …) or most of its numbered work
    points carry units. Of several (a report may print last year's list with its results and this
    year's), the one whose title names the notice's year wins, then one that is not a report on
    results (完成情况), then the one with most units and work points.
    """
    best: tuple[tuple[bool, bool, int, int], str] | None = None
    for part in parts:
        if part.label in ("", BODY):
            continue
        points = [p for p in items if p.part == part.label and _numbered(p)]
        with_units = sum(1 for p in points if p.roles)
        listed = any(cue in part.title for cue in LIST_CUES)
        if not points or not (listed or 2 * with_units >= len(points)):
            continue
        score = (
            bool(year) and single_year(part.title) == year,
            not any(cue in part.title for cue in RESULT_CUES),
            with_units,
            len(points),
        )
        if best is None or score > best[0]:
            best = (score, part.label)
    return best[1] if best else ""
