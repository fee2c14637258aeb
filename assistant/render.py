"""What the app shows: HTML for each screen and the rows behind its tables and downloads.

Plain functions of the records (:class:`~assistant.records.Notice`, :class:`~assistant.records.Answer`,
:class:`~assistant.directory.UnitEntry`, :class:`~assistant.compare.Comparison`) that return HTML
strings or table rows; :mod:`assistant.ui` wires them to Gradio. Every piece of document text goes
through :func:`esc` (:func:`html.escape`) before it lands in HTML; highlights are put around text
that is already escaped.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from assistant.directory import UnitDirectory, UnitEntry
from assistant.records import Answer, Citation, Notice, NoticeInfo, WorkPoint

if TYPE_CHECKING:
    from assistant.compare import Comparison, Difference, Pair, Single

ROLE_LABEL = {"牵头": "牵头单位", "负责": "负责单位", "责任": "责任单位", "配合": "配合单位", "参与": "参与单位", "指导": "指导单位"}
TABLE_HEADERS = ["编号", "标题", "牵头单位", "责任单位", "目标"]
DEPARTMENT_HEADERS = ["角色", "通知", "文号", "编号", "章节", "标题", "牵头单位", "责任单位"]

CSS = """
.gradio-container { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.cards-scroll { max-height: 760px; overflow-y: auto; padding-right: 4px; }
.cards-title { font-weight: 600; margin: 4px 0 8px; }
.cards-note { color: #92400e; background: #fffbeb; border-radius: 6px; padding: 6px 10px; margin-bottom: 8px; }
.cite-card { border: 1px solid #d6dde8; border-left: 4px solid #2563eb; border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; background: #fff; color: #111827; line-height: 1.6; }
.cite-card.related { border-left-color: #9ca3af; background: #f9fafb; color: #4b5563; font-size: 0.94em; }
.cards-bar { display: flex; align-items: center; justify-content: space-between; gap: 8px; margin: 4px 0 6px; }
.cards-bar .cards-title { margin: 0; }
.cards-q { color: #4b5563; font-size: 0.9em; margin-bottom: 8px; }
.copy-answer { border: 1px solid #d6dde8; border-radius: 6px; padding: 2px 10px; background: #fff; cursor: pointer;
  font-size: 0.88em; color: #1e40af; white-space: nowrap; }
.copy-answer:hover { background: #eff6ff; }
.related-block { margin-top: 14px; border-top: 1px dashed #d1d5db; padding-top: 8px; }
.related-title { color: #6b7280; font-weight: 600; font-size: 0.92em; margin-bottom: 8px; }
.related-tag { color: #6b7280; font-size: 0.85em; }
.cite-link { display: inline-block; margin-top: 4px; font-size: 0.88em; color: #2563eb; text-decoration: none; }
.cite-link:hover { text-decoration: underline; }
.points-table tr.point-row.target { background: #fef9c3; outline: 2px solid #facc15; }
.scope-note { color: #1e40af; margin: -4px 0 6px; }
.cite-head { font-weight: 600; }
.cite-n { color: #2563eb; margin-right: 4px; }
.cite-doc { color: #4b5563; font-size: 0.9em; }
.cite-path { color: #6b7280; font-size: 0.88em; }
.cite-units { font-size: 0.92em; margin: 4px 0; }
.role { display: inline-block; border-radius: 4px; padding: 0 6px; margin-right: 4px; background: #e5e7eb; font-size: 0.85em; }
.role.lead { background: #dbeafe; color: #1e40af; }
.cite-text, .point-text { white-space: pre-wrap; font-size: 0.93em; }
.cite-card mark, .point-text mark { background: #fde68a; color: inherit; padding: 0 1px; }
.meta-table td, .points-table td, .points-table th, .meta-table th { padding: 4px 8px; vertical-align: top; text-align: left; }
.meta-table th { color: #4b5563; white-space: nowrap; font-weight: 500; }
.points-table { width: 100%; border-collapse: collapse; margin-bottom: 14px; table-layout: fixed; }
.points-table th { background: #f3f4f6; white-space: nowrap; }
.points-table tr { border-bottom: 1px solid #e5e7eb; }
.points-table td.num { white-space: nowrap; font-weight: 600; }
.points-table summary { cursor: pointer; }
.section-title { margin: 14px 0 6px; font-weight: 600; font-size: 1.02em; }
.counts { display: flex; gap: 10px; flex-wrap: wrap; margin: 8px 0 12px; }
.count-box { border: 1px solid #d6dde8; border-radius: 8px; padding: 6px 12px; background: #f9fafb; }
.count-box b { font-size: 1.25em; color: #1e40af; }
.msg-ok { color: #065f46; background: #ecfdf5; border-radius: 6px; padding: 8px 12px; }
.msg-error { color: #991b1b; background: #fef2f2; border-radius: 6px; padding: 8px 12px; }
.empty { color: #6b7280; }
.cmp-docs { margin: 6px 0 2px; line-height: 1.7; }
.cmp-side { display: inline-block; border-radius: 4px; padding: 0 6px; margin-right: 4px; font-weight: 600; }
.cmp-side.a { background: #fee2e2; color: #991b1b; } .cmp-side.b { background: #dcfce7; color: #166534; }
.cmp-note { color: #92400e; }
.cmp-head { font-weight: 600; }
.cmp-quote { white-space: pre-wrap; color: #374151; margin-top: 4px; font-size: 0.93em; }
.cmp-change { margin-bottom: 4px; }
.cmp-table mark { color: inherit; padding: 0 1px; border-radius: 2px; }
.cmp-table .old mark { background: #fecaca; }
.cmp-table .new mark { background: #bbf7d0; }
.cmp-kept summary { cursor: pointer; font-weight: 600; margin: 14px 0 6px; }
"""


def esc(text: Any) -> str:
    """Escape text for HTML (quotes included)."""
    return html.escape("" if text is None else str(text))


# ---------------------------------------------------------------------------------------- labels
def item_label(point: WorkPoint) -> str:
    """``第13项`` for a numbered task, else the label as printed (``（二）``, ``第十二条``, ``导语``)."""
    return f"第{point.item}项" if point.item.isdigit() else point.item


def notice_label(notice: Notice) -> str:
    """``文号 标题`` for a picker."""
    return f"{notice.doc.number} {notice.doc.title}".strip() if notice.doc.number else notice.doc.title


# ---------------------------------------------------------------------------------------- chat
def answer_markdown(answer: Answer) -> str:
    """The core's Markdown answer with any HTML in it escaped, so the chatbot shows it as text."""
    return html.escape(answer.answer, quote=False)


def highlight(text: str, quote: str) -> str:
    """Escaped text with the quoted sentence wrapped in ``<mark>`` (found across line breaks)."""
    quote = re.sub(r"\s+", "", quote or "")
    if quote:
        m = re.search(r"\s*".join(map(re.escape, quote)), text)
        if m:
            return f"{esc(text[: m.start()])}<mark>{esc(m.group())}</mark>{esc(text[m.end():])}"
    return esc(text)


def unit_groups(point: WorkPoint) -> list[tuple[str, list[str]]]:
    """(role label, units) as the notice prints them: 牵头单位, 责任单位, then any other roles."""
    groups = []
    if point.lead:
        groups.append(("牵头单位", list(point.lead)))
    if point.responsible:
        groups.append(("责任单位", list(point.responsible)))
    shown = set(point.lead) | set(point.responsible)
    others: dict[str, list[str]] = {}
    for unit, role in point.roles.items():
        if unit not in shown:
            others.setdefault(role, []).append(unit)
    groups += [(ROLE_LABEL.get(role, role), units) for role, units in others.items()]
    return groups


def units_html(point: WorkPoint) -> str:
    """牵头单位 and 责任单位 lines, then any other roles, escaped."""
    parts = [
        f'<span class="role{" lead" if label == "牵头单位" else ""}">{esc(label)}</span>{esc("、".join(units))}'
        for label, units in unit_groups(point)
    ]
    return "<br>".join(parts) or '<span class="empty">通知未列出责任单位</span>'


def citation_card(n: int, c: Citation, *, related: bool = False, open_text: bool = True, row: int | None = None) -> str:
    """One card: notice (文号, year), 第N项 and section path, units, full text with the quote marked.

    Args:
        n: the card's number, as in the answer's ``[n]`` markers.
        c: the cited work point.
        related: a related hit, not cited by the answer (shown secondary, unnumbered).
        open_text: show the full text opened.
        row: the work point's position in its notice, for a link to its row in 浏览通知; None for no link.
    """
    doc = c.doc.number or c.doc.title
    year = f"（{c.doc.year}年）" if c.doc.year else ""
    path = " › ".join(c.point.path)
    mark = '<span class="cite-n related-tag">相关</span>' if related else f'<span class="cite-n">[{n}]</span>'
    link = (
        f'<a class="cite-link" href="#point-{row}" data-file="{esc(c.file)}" data-row="{row}">在“浏览通知”中查看 ›</a>'
        if row is not None else ""
    )
    return (
        f'<div class="cite-card{" related" if related else ""}" id="{"related" if related else "cite"}-{n}" '
        f'data-item="{esc(c.point.item)}">'
        f'<div class="cite-head">{mark}{esc(item_label(c.point))} {esc(c.point.title)}</div>'
        f'<div class="cite-doc">{esc(doc)}{esc(year)}</div>'
        + (f'<div class="cite-path">{esc(path)}</div>' if path else "")
        + f'<div class="cite-units">{units_html(c.point)}</div>'
        f'<details{" open" if open_text else ""}><summary>全文</summary>'
        f'<div class="cite-text">{highlight(c.point.text, c.quote)}</div></details>{link}</div>'
    )


def render_citations(answer: Answer | None, row_of: Callable[[Citation], int | None] | None = None) -> str:
    """The panel beside an answer: how many work points it cites, a copy button, one card per citation
    (numbered as in the answer's markers), then the related hits it does not cite, apart and secondary.

    An answer the notices do not cover gets its related work points, marked as not an answer.

    Args:
        answer: the answer; None before any question.
        row_of: where a citation's work point stands in its notice (see :func:`citation_card`); None for no links.
    """
    if answer is None:
        return '<div class="empty">提问后，这里会列出答案引用的工作要点原文。</div>'
    rows = row_of or (lambda c: None)
    cited = {(c.file, id(c.point)) for c in answer.citations}
    related = [c for c in answer.related if (c.file, id(c.point)) not in cited]
    copy = (
        '<button type="button" class="copy-answer" title="复制为纯文本：答案和每条出处（文号、第N项、单位、原文）">'
        "复制答案（含出处）</button>"
        f'<textarea class="copy-text" hidden readonly>{esc(answer_text(answer))}</textarea>'
    )
    question = f'<div class="cards-q">问：{esc(answer.question)}</div>' if answer.question else ""
    if answer.citations:
        count = f"引用 {len(answer.citations)} 项"
    elif related:
        count = "没有直接回答"
    else:
        count = "没有引用工作要点"
    out = [f'<div class="cards-bar"><span class="cards-title" id="cite-count">{count}</span>{copy}</div>{question}']
    if not answer.citations and related:
        out.append('<div class="cards-note">所索引的通知没有直接回答这个问题。以下工作要点仅供参考，并非答案。</div>')
    cards = "".join(citation_card(i, c, open_text=i <= 5, row=rows(c)) for i, c in enumerate(answer.citations, 1))
    if related:
        cards += (
            f'<div class="related-block"><div class="related-title" id="related-count">相关但未引用的工作要点（{len(related)}）</div>'
            + "".join(citation_card(i, c, related=True, open_text=False, row=rows(c)) for i, c in enumerate(related, 1))
            + "</div>"
        )
    if cards:
        out.append(f'<div class="cards-scroll">{cards}</div>')
    elif not answer.citations:
        out.append('<div class="empty">这个回答没有引用工作要点。</div>')
    return "".join(out)


# The Markdown the answers print: bold and (rarely) headings. Nothing else is touched, so a notice's own
# underscores or brackets (“于____前”, “[2019]”) stay as printed.
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_HEADING = re.compile(r"^#{1,6}\s+", re.M)


def plain_text(markdown: str) -> str:
    """The answer's Markdown as plain text: bold unwrapped, headings' ``#`` dropped, list dashes and the
    ``[n]`` citation markers kept."""
    return _HEADING.sub("", _BOLD.sub(r"\1", markdown)).strip()


def citation_text(n: int, c: Citation) -> str:
    """One citation as plain text: ``[n] 文号（年）《标题》 第N项 标题``, its units, and the quoted sentence."""
    doc = c.doc.number or ""
    year = f"（{c.doc.year}年）" if c.doc.year else ""
    title = f"《{c.doc.title}》" if c.doc.title else ""
    lines = [f"[{n}] {doc}{year}{title} {item_label(c.point)} {c.point.title}".replace("  ", " ").rstrip()]
    units = "；".join(f"{label}：{'、'.join(names)}" for label, names in unit_groups(c.point))
    if units:
        lines.append(f"    {units}")
    quote = " ".join((c.quote or "").split())
    if quote:
        lines.append(f"    原文：“{quote}”")
    return "\n".join(lines)


def answer_text(answer: Answer) -> str:
    """An answer as plain text to paste into a document: the answer, then 出处 with each citation's
    文号, 第N项, units and quote (see :func:`citation_text`); related hits are not 出处 and are left out."""
    text = plain_text(answer.answer)
    if answer.citations:
        text += "\n\n出处：\n" + "\n".join(citation_text(i, c) for i, c in enumerate(answer.citations, 1))
    return text


# ---------------------------------------------------------------------------------------- browse
def notice_table(notice: Notice) -> list[list[str]]:
    """One row per work point: 编号, 标题, 牵头单位, 责任单位, 目标 (see :data:`TABLE_HEADERS`)."""
    return [
        [p.item, p.title, "、".join(p.lead), "、".join(p.responsible), "；".join(t.text for t in p.targets)]
        for p in notice.items
    ]


def notice_meta_html(notice: Notice) -> str:
    """The notice's metadata and counts, escaped."""
    d = notice.doc
    rows = [
        ("标题", d.title),
        ("文号", d.number or "—"),
        ("发文机关", d.issuer or "—"),
        ("成文日期", d.date or "—"),
        ("发布日期", d.published or "—"),
        ("文件", notice.file or d.source or "—"),
    ]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    tasks = len(notice.tasks)
    units = UnitDirectory([notice]).units
    counts = (
        f'<div class="counts"><div class="count-box" id="task-count"><b>{tasks}</b> 项编号任务</div>'
        f'<div class="count-box"><b>{len(notice.items)}</b> 个工作要点</div>'
        f'<div class="count-box"><b>{len(units)}</b> 个单位</div></div>'
    )
    return f'<table class="meta-table">{table}</table>{counts}'


def notice_html(notice: Notice, target: int | None = None, jump: int = 0) -> str:
    """Metadata, then each section with its work points in a table; each title opens to the full text.

    Each row is an anchor, ``id="point-<i>"`` for the i-th work point of the notice.

    Args:
        notice: the notice.
        target: the row to show opened and marked (a card's link); the app scrolls to it.
        jump: a number that changes with each jump, so jumping to the same row again scrolls again.
    """
    out = [f'<div class="notice-doc" data-file="{esc(notice.file)}"'
           + (f' data-target="{target}" data-jump="{jump}"' if target is not None else "") + ">",
           notice_meta_html(notice)]
    head = _colgroup(5, 38, 17, 28, 12) + "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in TABLE_HEADERS) + "</tr></thead>"
    section: str | None = None
    for i, (point, row) in enumerate(zip(notice.items, notice_table(notice), strict=True)):
        path = " › ".join(point.path)
        if path != section:
            if section is not None:
                out.append("</tbody></table>")
            section = path
            out.append(f'<div class="section-title">{esc(section or "正文")}</div>')
            out.append(f'<table class="points-table">{head}<tbody>')
        hit = i == target
        out.append(
            f'<tr class="point-row{" target" if hit else ""}" id="point-{i}" data-item="{esc(point.item)}">'
            f'<td class="num">{esc(row[0])}</td>'
            f'<td><details{" open" if hit else ""}><summary>{esc(row[1])}</summary>'
            f'<div class="point-text">{esc(point.text)}</div></details></td>'
            f"<td>{esc(row[2]) or '—'}</td><td>{esc(row[3]) or '—'}</td><td>{esc(row[4])}</td></tr>"
        )
    if section is not None:
        out.append("</tbody></table>")
    out.append("</div>")
    return "".join(out)


def row_of(notice: Notice, point: WorkPoint) -> int | None:
    """Where a work point stands in its notice (the ``point-<i>`` anchor of :func:`notice_html`); None if not there."""
    for i, p in enumerate(notice.items):
        if p is point:
            return i
    for i, p in enumerate(notice.items):
        if p == point:
            return i
    return None


def department_rows(entry: UnitEntry, directory: UnitDirectory) -> list[list[str]]:
    """Every work point a unit holds, strongest role first (see :data:`DEPARTMENT_HEADERS`)."""
    rows = []
    for role in directory.roles_of(entry):
        for notice, p in entry.points[role]:
            rows.append([
                ROLE_LABEL.get(role, role),
                notice.doc.title,
                notice.doc.number,
                p.item,
                " › ".join(p.path),
                p.title,
                "、".join(p.lead),
                "、".join(p.responsible),
            ])
    return rows


def department_html(entry: UnitEntry, directory: UnitDirectory, scope: str = "") -> str:
    """A unit's counts by role, then a table per role across the indexed notices, escaped.

    Each row's number links to the row in 浏览通知. ``scope`` names what the view is confined to
    (a year, a notice); "" for every indexed notice.
    """
    roles = [r for r in directory.roles_of(entry) if entry.points[r]]
    notices = {id(n) for pts in entry.points.values() for n, _ in pts}
    names = sorted(set(entry.names) - {entry.name})
    out = [f'<h3 id="department-name">{esc(entry.name)}</h3>']
    if scope:
        out.append(f'<div class="scope-note" id="department-scope">范围：{esc(scope)}</div>')
    if names:
        out.append(f'<div class="cite-path">通知中也写作：{esc("、".join(names))}</div>')
    if not roles:
        where = f"在{scope}中" if scope else "在已索引的通知中"
        out.append(f'<div class="empty">{esc(entry.name)}{esc(where)}没有承担工作。</div>')
        return "".join(out)
    boxes = "".join(
        f'<div class="count-box" data-role="{esc(r)}">{esc(ROLE_LABEL.get(r, r))} <b>{len(entry.points[r])}</b> 项</div>'
        for r in roles
    )
    out.append(f'<div class="counts">{boxes}<div class="count-box">涉及通知 <b>{len(notices)}</b> 份</div></div>')
    for role in roles:
        title = "牵头的工作" if role == "牵头" else f"作为{ROLE_LABEL.get(role, role)}的工作"
        out.append(f'<div class="section-title">{esc(title)}（{len(entry.points[role])}）</div>')
        out.append(
            f'<table class="points-table">{_colgroup(16, 6, 34, 18, 26)}<thead><tr><th>通知</th><th>编号</th>'
            "<th>标题</th><th>牵头单位</th><th>责任单位</th></tr></thead><tbody>"
        )
        for notice, p in entry.points[role]:
            row = row_of(notice, p)
            num = (f'<a class="cite-link" href="#point-{row}" data-file="{esc(notice.file)}" data-row="{row}" '
                   f'title="在“浏览通知”中查看">{esc(p.item)}</a>' if row is not None else esc(p.item))
            out.append(
                f'<tr class="point-row" data-role="{esc(role)}" data-item="{esc(p.item)}">'
                f"<td>{esc(notice.doc.number or notice.doc.title)}</td><td class=\"num\">{num}</td>"
                f'<td><details><summary>{esc(p.title)}</summary><div class="point-text">{esc(p.text)}</div></details></td>'
                f"<td>{esc('、'.join(p.lead)) or '—'}</td><td>{esc('、'.join(p.responsible)) or '—'}</td></tr>"
            )
        out.append("</tbody></table>")
    return "".join(out)


def _colgroup(*percent: int) -> str:
    """Fixed column widths, so every section's table lines up."""
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in percent) + "</colgroup>"




def review_html(notice: Notice, heading: str = "解析结果，请核对") -> str:
    """What the parser read from an uploaded file, for a person to check before it is added:
    metadata (with the year and place it was read as), counts, every work point with its number,
    title and lead unit, and the units it found."""
    d = notice.doc
    read_as = f"<tr><th>年份</th><td>{esc(d.year or '—')}</td></tr><tr><th>地区</th><td>{esc(d.place or '—')}</td></tr>"
    parts = any(p.part for p in notice.items)
    tasks = "".join(
        f'<tr><td class="num">{esc(p.ref)}</td>' + (f"<td>{esc(p.part or '—')}</td>" if parts else "")
        + f"<td>{esc(p.title or p.text[:80])}</td><td>{esc('、'.join(p.lead) or '—')}</td></tr>"
        for p in notice.items
    )
    task_head = "<th>编号</th>" + ("<th>部分</th>" if parts else "") + "<th>标题</th><th>牵头单位</th>"
    directory = UnitDirectory([notice])
    entries = sorted(directory.units.values(), key=lambda e: (-e.count(("牵头",)), -e.count()))
    units = "".join(
        f"<tr><td>{esc(e.name)}</td><td>{e.count(('牵头',))}</td><td>{e.count() - e.count(('牵头',))}</td></tr>"
        for e in entries
    )
    return (
        f'<div class="section-title">{esc(heading)}</div>{notice_meta_html(notice)}'
        f'<table class="meta-table" id="review-read-as">{read_as}</table>'
        f'<div class="section-title">解析出的工作要点（{len(notice.items)} 项）</div>'
        f'<table class="points-table" id="review-tasks">'
        f"{_colgroup(10, 12, 50, 28) if parts else _colgroup(10, 60, 30)}<thead><tr>{task_head}</tr></thead>"
        f"<tbody>{tasks or '<tr><td colspan=4>没有解析出工作要点</td></tr>'}</tbody></table>"
        '<div class="section-title">找到的单位</div>'
        f'<table class="points-table">{_colgroup(50, 25, 25)}<thead><tr><th>单位</th><th>牵头</th><th>其他角色</th></tr></thead>'
        f"<tbody>{units or '<tr><td colspan=3>没有找到单位</td></tr>'}</tbody></table>"
    )



def message_html(text: str, ok: bool) -> str:
    """A one-line success or error message, escaped."""
    return f'<div class="{"msg-ok" if ok else "msg-error"}">{esc(text)}</div>'


# ---------------------------------------------------------------------------------------- compare
#: The columns of a comparison's CSV and Excel exports, one row per difference (see :func:`compare_rows`).
COMPARE_HEADERS = ["类别", "A编号", "B编号", "标题", "变化项", "原", "新", "A原文", "B原文", "相似度"]
FIELD_LABEL = {"targets": "目标", "lead": "牵头单位", "responsible": "责任单位", "title": "标题"}
_NONE = '<span class="empty">（无）</span>'


def doc_name(doc: NoticeInfo) -> str:
    """``东政办〔2019〕138号（2019年）``, or the 文号 or title alone."""
    return f"{doc.number}（{doc.year}年）" if doc.number and doc.year else doc.label


def mark_values(text: str, values: Iterable[str]) -> str:
    """The text escaped, then each value (escaped the same way) wrapped in ``<mark>``.

    Entities are skipped whole, and a figure is not marked inside a longer number (``87%`` in ``187%``).
    """
    escaped = esc(text)
    keys = sorted({esc(v) for v in values if v and v.strip()}, key=len, reverse=True)
    if not keys:
        return escaped
    # An entity is consumed whole where no value starts, so no value is found inside one.
    pattern = re.compile(r"(?<![\d.．])(" + "|".join(map(re.escape, keys)) + r")(?!\d|[.．]\d)|&#?\w+;")
    return pattern.sub(lambda m: f"<mark>{m.group(1)}</mark>" if m.group(1) else m.group(), escaped)


def mark_diff(old: str, new: str) -> tuple[str, str]:
    """Both texts escaped, with the stretches that differ between them marked (a reworded title)."""
    a, b = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        for out, piece in ((a, old[i1:i2]), (b, new[j1:j2])):
            if piece:
                out.append(esc(piece) if tag == "equal" else f"<mark>{esc(piece)}</mark>")
    return "".join(a), "".join(b)


def _ref(label: str) -> str:
    return f"第{label}项" if label.isdigit() else label


def _changed_values(d: Difference) -> tuple[list[str], list[str]]:
    """What to mark on each side: a target's figure as printed, or the units missing on the other side."""
    if d.field in ("lead", "responsible"):
        old, new = ([u for u in x.split("、") if u] for x in (d.old, d.new))
        return [u for u in old if u not in new] or old, [u for u in new if u not in old] or new
    return [d.old], [d.new]


def compare_summary_html(c: Comparison) -> str:
    """Which notice is A and which B, then the counts: 对应 (有变化 + 未变), 新增, 删去."""
    boxes = [
        ("matched", "对应", len(c.kept) + len(c.changed)),
        ("changed", "有变化", len(c.changed)),
        ("kept", "未变", len(c.kept)),
        ("new", "新增", len(c.new)),
        ("dropped", "删去", len(c.dropped)),
    ]
    counts = "".join(f'<div class="count-box" data-kind="{k}">{name} <b>{n}</b> 项</div>' for k, name, n in boxes)
    docs = (
        f'<div class="cmp-docs"><span class="cmp-side a">A</span>{esc(doc_name(c.a))} {esc(c.a.title)}<br>'
        f'<span class="cmp-side b">B</span>{esc(doc_name(c.b))} {esc(c.b.title)}</div>'
    )
    note = ""
    if c.a.year and c.b.year and c.a.year > c.b.year:
        note = (f'<div class="cmp-note">A（{c.a.year}年）比 B（{c.b.year}年）新：“新增”是 A 没有而 B 有的事项。'
                "通常把较早的一份选作 A。</div>")
    return f'{docs}{note}<div class="counts" id="compare-counts">{counts}</div>'


def _pair_row(p: Pair) -> str:
    title_a, title_b = esc(p.a.title), esc(p.b.title)
    quotes_a, quotes_b, changes = [], [], []
    for d in p.differences:
        if d.field == "title":
            title_a, title_b = old, new = mark_diff(d.old, d.new)
        else:
            olds, news = _changed_values(d)
            old = mark_values(d.old, olds) if d.old else _NONE
            new = mark_values(d.new, news) if d.new else _NONE
            quotes_a.append(mark_values(d.quote_a, olds) if d.quote_a else _NONE)
            quotes_b.append(mark_values(d.quote_b, news) if d.quote_b else _NONE)
        changes.append(
            f'<div class="cmp-change" data-field="{esc(d.field)}"><span class="role">{esc(FIELD_LABEL.get(d.field, d.field))}</span>'
            f'<span class="old">{old}</span> → <span class="new">{new}</span></div>'
        )

    def side(label: str, title: str, quotes: list[str]) -> str:
        head = f'<div class="cmp-head"><span class="num">{esc(_ref(label))}</span> {title}</div>'
        return head + "".join(f'<div class="cmp-quote">{q}</div>' for q in quotes)

    return (
        f'<tr class="cmp-row" data-kind="changed" data-a="{esc(p.label_a)}" data-b="{esc(p.label_b)}">'
        f'<td>{"".join(changes)}</td><td class="old">{side(p.label_a, title_a, quotes_a)}</td>'
        f'<td class="new">{side(p.label_b, title_b, quotes_b)}</td></tr>'
    )


def _singles_table(kind: str, singles: list[Single]) -> str:
    rows = "".join(
        f'<tr class="cmp-row" data-kind="{kind}" data-item="{esc(s.label)}"><td class="num">{esc(_ref(s.label))}</td>'
        f'<td><details><summary>{esc(s.point.title)}</summary><div class="point-text">{esc(s.point.text)}</div></details></td>'
        f"<td>{esc('、'.join(s.point.lead)) or '—'}</td><td>{esc('、'.join(s.point.responsible)) or '—'}</td>"
        f"<td>{esc('；'.join(t.text for t in s.point.targets))}</td></tr>"
        for s in singles
    )
    head = "".join(f"<th>{esc(h)}</th>" for h in TABLE_HEADERS)
    return f'<table class="points-table cmp-table">{_colgroup(9, 38, 17, 24, 12)}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def compare_tables_html(c: Comparison) -> str:
    """The changed work points side by side (A's values marked red, B's green), then new, dropped and kept."""
    out = [f'<div class="section-title">有变化的事项（{len(c.changed)}）</div>']
    if c.changed:
        head = f"<th>变化</th><th>A：{esc(doc_name(c.a))}</th><th>B：{esc(doc_name(c.b))}</th>"
        rows = "".join(_pair_row(p) for p in c.changed)
        out.append(f'<table class="points-table cmp-table" id="compare-changed">{_colgroup(24, 38, 38)}'
                   f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    else:
        out.append('<div class="empty">对应的事项都没有变化。</div>')
    for kind, title, singles, doc in (("new", "新增的事项", c.new, c.b), ("dropped", "删去的事项", c.dropped, c.a)):
        where = "只见于 B" if kind == "new" else "只见于 A"
        out.append(f'<div class="section-title" id="compare-{kind}">{title}（{len(singles)}）：{where}，{esc(doc_name(doc))}</div>')
        out.append(_singles_table(kind, singles) if singles else '<div class="empty">没有。</div>')
    if c.kept:
        rows = "".join(
            f'<tr class="cmp-row" data-kind="kept"><td class="num">{esc(_ref(p.label_a))}</td>'
            f'<td class="num">{esc(_ref(p.label_b))}</td><td>{esc(p.b.title)}</td><td>{p.similarity:.2f}</td></tr>'
            for p in c.kept
        )
        out.append(
            f'<details class="cmp-kept"><summary>未变的事项（{len(c.kept)}），可能已重新编号</summary>'
            f'<table class="points-table cmp-table">{_colgroup(12, 12, 64, 12)}<thead><tr><th>A编号</th><th>B编号</th>'
            f"<th>标题</th><th>相似度</th></tr></thead><tbody>{rows}</tbody></table></details>"
        )
    return "".join(out)


def compare_rows(c: Comparison) -> list[list[Any]]:
    """Every row of the export (see :data:`COMPARE_HEADERS`): one per difference, then new, dropped, kept."""
    rows: list[list[Any]] = []
    for p in c.changed:
        for d in p.differences:
            rows.append(["有变化", p.label_a, p.label_b, p.b.title, FIELD_LABEL.get(d.field, d.field),
                         d.old, d.new, d.quote_a, d.quote_b, round(p.similarity, 3)])
    rows += [["新增", "", s.label, s.point.title, "", "", "", "", "", None] for s in c.new]
    rows += [["删去", s.label, "", s.point.title, "", "", "", "", "", None] for s in c.dropped]
    rows += [["未变", p.label_a, p.label_b, p.b.title, "", "", "", "", "", round(p.similarity, 3)] for p in c.kept]
    return rows
