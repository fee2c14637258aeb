"""A notice's parts: its body (正文), its attachments (附件1 …) and a closing task list.

A government work report prints long prose under 一、（一）… and then its yearly task list, either as
an attachment (``附件1`` / ``《政府工作报告》附件1`` and the list's own title on the next line) or as a
closing section whose title names a list (``2016年为民办15件实事``) and whose numbering starts again
at one. A State Council notice prints its attachments after its signature. Each part is numbered on
its own, so the structure parser reads each apart; every work point knows which part it is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.parse.dates import is_date_line
from assistant.parse.numbering import label_number, match_heading
from assistant.parse.vocab import LIST_CUES

#: The body of a notice that has other parts.
BODY = "正文"
_ATTACHMENT = re.compile(
    r"^(?:《[^》]{1,30}》)?(附件|附表|附(?=\s*[:：]))\s*([\d一二三四五六七八九十]{0,3})\s*([.．、:：]?)\s*(.*)$"
)
_LISTED = re.compile(r"^\d{1,2}\s*[.．、]")
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?]")
#: An attachment's or a closing list's title is printed on at most TITLE_LINES lines of at most TITLE_LINE chars.
TITLE_LINES = 3
TITLE_LINE = 40


@dataclass
class Part:
    """One part of a notice: ``label`` as printed ("附件1"; "正文" for the body; "" when the notice has
    one part; a closing list's own title where it prints no label), its ``title`` and its content lines
    ``[start, end)``."""

    label: str
    title: str
    start: int
    end: int


def attachment_at(lines: list[str], i: int) -> tuple[str, str] | None:
    """``(label, title on the same line)`` where line ``i`` opens an attachment, else None.

    ``附件：1.XX报告`` before a signature lists the attachments and opens none: a line that numbers
    its title, or is followed by a date or by the next item of such a list, is a listing.
    """
    line = lines[i].strip()
    m = _ATTACHMENT.match(line)
    if not m or len(line) > 80:
        return None
    label, rest = m.group(1) + m.group(2), m.group(4).strip()
    if rest:
        titled = (m.group(2) or m.group(3)) and len(rest) <= 60
        if not titled or _SENTENCE_PUNCT.search(rest) or _LISTED.match(rest):
            return None
        after = lines[i + 1 : i + 5]
        if any(is_date_line(x) or _LISTED.match(x) and len(x) <= 60 and "。" not in x for x in after):
            return None
    return label, rest


def _title_lines(lines: list[str], start: int, end: int) -> tuple[str, int]:
    """The title printed at ``start`` (one to three short lines, and a parenthesis such as （共130项））."""
    parts: list[str] = []
    i = start
    while i < end and len(parts) < TITLE_LINES:
        line = lines[i].strip()
        short = len(line) <= TITLE_LINE and not _SENTENCE_PUNCT.search(line) and not line.endswith(("：", ":"))
        short = short and "\t" not in line  # a table's header row
        if not short or match_heading(line) or is_date_line(line):
            break
        parts.append(line)
        i += 1
    if parts and i < end and re.fullmatch(r"[（(][^（）()]{1,30}[）)]", lines[i].strip()):
        parts.append(lines[i].strip())
        i += 1
    return re.sub(r"(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5])", "", "".join(parts)), i


def _closing_list_at(lines: list[str], i: int) -> bool:
    """Line ``i`` titles a closing task list: a short unnumbered line naming a list, numbering restarting after."""
    line = lines[i].strip()
    if len(line) > TITLE_LINE or re.search(r"[。；;！？!?，,：:]", line) or match_heading(line):
        return False
    if not any(cue in line for cue in LIST_CUES) or i + 1 >= len(lines):
        return False
    heading = match_heading(lines[i + 1].strip())
    return bool(heading) and label_number(heading[1]) == 1


def split_parts(lines: list[str], body_start: int = 0) -> list[Part]:
    """Split a notice's lines from ``body_start`` into its parts, in order.

    Returns:
        One part labelled "" when the notice prints no attachment and no closing list; else the body
        (labelled :data:`BODY`) followed by each attachment and closing list.
    """
    starts: list[tuple[int, str, str]] = []  # (line, label, title on the label line)
    numbered = False  # a closing list closes a body that has numbered sections of its own
    for i in range(body_start, len(lines)):
        found = attachment_at(lines, i)
        if found:
            starts.append((i, *found))
        elif not starts and numbered and _closing_list_at(lines, i):
            starts.append((i, "", ""))
        numbered = numbered or bool(match_heading(lines[i].strip()))
    if not starts:
        return [Part("", "", body_start, len(lines))]
    parts = [Part(BODY, "", body_start, starts[0][0])]
    for k, (i, label, title) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        content = i + 1 if label else i
        if not title:
            title, content = _title_lines(lines, content, end)
        parts.append(Part(label or title, title, content, end))
    return parts
