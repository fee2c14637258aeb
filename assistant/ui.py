"""The Gradio app: ask with cited answers, browse notices and departments, add a notice.

A thin translator like the CLI: every callback reads its inputs, calls the core
(:class:`~assistant.answer.Assistant`, :class:`~assistant.directory.UnitDirectory`,
:func:`~assistant.parse.parse_notice`, :func:`~assistant.index.build_index`) and renders what
comes back. Rendering functions are plain and module level so tests call them directly.

Every piece of document text put into HTML goes through :func:`html.escape`, and answer
Markdown is escaped before the chatbot renders it, so a notice that contains ``<script>`` shows
it as text and runs nothing.
"""

from __future__ import annotations

import csv
import functools
import html
import os
import re
import shutil
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import gradio as gr

from assistant.answer import Assistant
from assistant.directory import UnitDirectory, UnitEntry
from assistant.errors import AssistantError, UnreadableFileError
from assistant.records import Answer, Citation, Notice, WorkPoint

if TYPE_CHECKING:
    from assistant.embed import Embedder

#: Questions a newcomer would ask, shown as buttons under the chat.
EXAMPLES: tuple[str, ...] = (
    "哪些工作涉及水？分别由谁牵头？",
    "市林草局牵头哪些工作？",
    "第13项由谁牵头？",
    "城市生活垃圾无害化处理率要达到多少？",
    "海东市生态文明工作要点的文号是什么？",
    "东政办〔2019〕138号一共有多少项任务？",
)
#: File types the parser reads.
UPLOAD_TYPES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
ROLE_LABEL = {"牵头": "牵头单位", "负责": "负责单位", "责任": "责任单位", "配合": "配合单位", "参与": "参与单位", "指导": "指导单位"}
TABLE_HEADERS = ["编号", "标题", "牵头单位", "责任单位", "目标"]
DEPARTMENT_HEADERS = ["角色", "通知", "文号", "编号", "章节", "标题", "牵头单位", "责任单位"]
# Concurrent chat answers: the model is shared and the machine may have two cores; the queue holds the rest.
CHAT_CONCURRENCY = 4

CSS = """
.gradio-container { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.cards-scroll { max-height: 760px; overflow-y: auto; padding-right: 4px; }
.cards-title { font-weight: 600; margin: 4px 0 8px; }
.cards-note { color: #92400e; background: #fffbeb; border-radius: 6px; padding: 6px 10px; margin-bottom: 8px; }
.cite-card { border: 1px solid #d6dde8; border-left: 4px solid #2563eb; border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; background: #fff; color: #111827; line-height: 1.6; }
.cite-card.related { border-left-color: #9ca3af; }
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


def units_html(point: WorkPoint) -> str:
    """牵头单位 and 责任单位 lines, then any other roles, escaped."""
    parts = []
    if point.lead:
        parts.append(f'<span class="role lead">牵头单位</span>{esc("、".join(point.lead))}')
    if point.responsible:
        parts.append(f'<span class="role">责任单位</span>{esc("、".join(point.responsible))}')
    shown = set(point.lead) | set(point.responsible)
    others: dict[str, list[str]] = {}
    for unit, role in point.roles.items():
        if unit not in shown:
            others.setdefault(role, []).append(unit)
    for role, units in others.items():
        parts.append(f'<span class="role">{esc(ROLE_LABEL.get(role, role))}</span>{esc("、".join(units))}')
    return "<br>".join(parts) or '<span class="empty">通知未列出责任单位</span>'


def citation_card(n: int, c: Citation, *, related: bool = False, open_text: bool = True) -> str:
    """One card: notice (文号, year), 第N项 and section path, units, full text with the quote marked."""
    doc = c.doc.number or c.doc.title
    year = f"（{c.doc.year}年）" if c.doc.year else ""
    path = " › ".join(c.point.path)
    return (
        f'<div class="cite-card{" related" if related else ""}" id="cite-{n}" data-item="{esc(c.point.item)}">'
        f'<div class="cite-head"><span class="cite-n">[{n}]</span>{esc(item_label(c.point))} {esc(c.point.title)}</div>'
        f'<div class="cite-doc">{esc(doc)}{esc(year)}</div>'
        + (f'<div class="cite-path">{esc(path)}</div>' if path else "")
        + f'<div class="cite-units">{units_html(c.point)}</div>'
        f'<details{" open" if open_text else ""}><summary>全文</summary>'
        f'<div class="cite-text">{highlight(c.point.text, c.quote)}</div></details></div>'
    )


def render_citations(answer: Answer | None) -> str:
    """The cards beside an answer: one per cited work point, numbered as in the answer's markers.

    An answer the notices do not cover gets its related work points, marked as not an answer.
    """
    if answer is None:
        return '<div class="empty">提问后，这里会列出答案引用的工作要点原文。</div>'
    if answer.citations:
        cards = "".join(citation_card(i, c, open_text=i <= 5) for i, c in enumerate(answer.citations, 1))
        title = f'<div class="cards-title">引用的工作要点（{len(answer.citations)}）</div>'
        return f'{title}<div class="cards-scroll">{cards}</div>'
    if answer.related:
        cards = "".join(citation_card(i, c, related=True, open_text=False) for i, c in enumerate(answer.related, 1))
        return (
            '<div class="cards-note">所索引的通知没有直接回答这个问题。以下工作要点仅供参考，并非答案。</div>'
            f'<div class="cards-scroll">{cards}</div>'
        )
    return '<div class="empty">这个回答没有引用工作要点。</div>'


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


def notice_html(notice: Notice) -> str:
    """Metadata, then each section with its work points in a table; each title opens to the full text."""
    out = [notice_meta_html(notice)]
    head = _colgroup(5, 38, 17, 28, 12) + "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in TABLE_HEADERS) + "</tr></thead>"
    section: str | None = None
    for point, row in zip(notice.items, notice_table(notice), strict=True):
        path = " › ".join(point.path)
        if path != section:
            if section is not None:
                out.append("</tbody></table>")
            section = path
            out.append(f'<div class="section-title">{esc(section or "正文")}</div>')
            out.append(f'<table class="points-table">{head}<tbody>')
        out.append(
            f'<tr class="point-row" data-item="{esc(point.item)}"><td class="num">{esc(row[0])}</td>'
            f'<td><details><summary>{esc(row[1])}</summary><div class="point-text">{esc(point.text)}</div></details></td>'
            f"<td>{esc(row[2]) or '—'}</td><td>{esc(row[3]) or '—'}</td><td>{esc(row[4])}</td></tr>"
        )
    if section is not None:
        out.append("</tbody></table>")
    return "".join(out)


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


def department_html(entry: UnitEntry, directory: UnitDirectory) -> str:
    """A unit's counts by role, then a table per role across the indexed notices, escaped."""
    roles = directory.roles_of(entry)
    notices = {id(n) for pts in entry.points.values() for n, _ in pts}
    names = sorted(set(entry.names) - {entry.name})
    out = [f'<h3 id="department-name">{esc(entry.name)}</h3>']
    if names:
        out.append(f'<div class="cite-path">通知中也写作：{esc("、".join(names))}</div>')
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
            out.append(
                f'<tr class="point-row" data-role="{esc(role)}" data-item="{esc(p.item)}">'
                f"<td>{esc(notice.doc.number or notice.doc.title)}</td><td class=\"num\">{esc(p.item)}</td>"
                f'<td><details><summary>{esc(p.title)}</summary><div class="point-text">{esc(p.text)}</div></details></td>'
                f"<td>{esc('、'.join(p.lead)) or '—'}</td><td>{esc('、'.join(p.responsible)) or '—'}</td></tr>"
            )
        out.append("</tbody></table>")
    return "".join(out)


def _colgroup(*percent: int) -> str:
    """Fixed column widths, so every section's table lines up."""
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in percent) + "</colgroup>"


def write_csv(rows: list[list[str]], headers: list[str], path: Path) -> Path:
    """Write rows as UTF-8 CSV with a BOM, so Excel opens the Chinese correctly."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(rows: list[list[str]], headers: list[str], path: Path, title: str = "工作清单") -> Path:
    """Write rows as an Excel sheet with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, width in zip("ABCDEFGH", (10, 40, 22, 8, 30, 36, 24, 40), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(path)
    return path


def review_html(notice: Notice, heading: str = "解析结果，请核对") -> str:
    """What the parser read from an uploaded file: metadata, counts and the units it found."""
    directory = UnitDirectory([notice])
    entries = sorted(directory.units.values(), key=lambda e: (-e.count(("牵头",)), -e.count()))
    units = "".join(
        f"<tr><td>{esc(e.name)}</td><td>{e.count(('牵头',))}</td><td>{e.count() - e.count(('牵头',))}</td></tr>"
        for e in entries
    )
    return (
        f'<div class="section-title">{esc(heading)}</div>{notice_meta_html(notice)}'
        '<div class="section-title">找到的单位</div>'
        f'<table class="points-table">{_colgroup(50, 25, 25)}<thead><tr><th>单位</th><th>牵头</th><th>其他角色</th></tr></thead>'
        f"<tbody>{units or '<tr><td colspan=3>没有找到单位</td></tr>'}</tbody></table>"
    )


def _message(text: str, ok: bool) -> str:
    return f'<div class="{"msg-ok" if ok else "msg-error"}">{esc(text)}</div>'


def _file_path(file: Any) -> Path | None:
    """The local path of an uploaded file, whichever way Gradio passes it."""
    if file is None:
        return None
    if isinstance(file, (str, os.PathLike)):
        return Path(file)
    name = getattr(file, "name", None) or getattr(file, "path", None)
    return Path(name) if name else None


# ---------------------------------------------------------------------------------------- state
class Review(NamedTuple):
    """What the Add tab shows after an upload or an add: HTML, and whether it went through."""

    html: str
    ok: bool


def open_assistant(index_dir: str | os.PathLike[str], embedder: Embedder) -> Assistant:
    """An Assistant over an index folder, with an already loaded embedder (no second model load)."""
    from assistant.index import load_index
    from assistant.search import Searcher

    return Assistant(searcher=Searcher(load_index(index_dir, model=embedder.name), embedder))


class PolicyApp:
    """What the app holds: the current Assistant, the corpus and index folders, the embedder.

    The callbacks are its methods; tests call them directly. Adding a notice rebuilds the
    index incrementally under a lock and swaps in a new Assistant, so questions in flight
    finish on the old one.
    """

    def __init__(
        self,
        assistant: Assistant,
        corpus_dir: str | os.PathLike[str],
        index_dir: str | os.PathLike[str],
        embedder: Embedder | None = None,
    ) -> None:
        self.assistant = assistant
        self.embedder = embedder or assistant.searcher.embedder
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self._write = threading.Lock()
        self._exports = Path(tempfile.mkdtemp(prefix="assistant-exports-"))

    # ------------------------------------------------------------------ choices
    def notice_choices(self) -> list[tuple[str, str]]:
        """(label, file) for every indexed notice, for the pickers."""
        return [(notice_label(n), n.file) for n in self.assistant.notices]

    def units(self) -> dict[str, UnitEntry]:
        """Every unit by its picker label, most lead tasks first; a name in two places gets the place."""
        entries = sorted(
            self.assistant.directory.units.values(), key=lambda e: (-e.count(("牵头", "负责")), -e.count(), e.name)
        )
        names = Counter(e.name for e in entries)
        return {(e.name if names[e.name] == 1 else f"{e.name}（{e.place}）"): e for e in entries}

    def unit_choices(self) -> list[tuple[str, str]]:
        """(label with counts, label) for every unit."""
        return [(f"{label}（牵头 {e.count(('牵头',))} · 共 {e.count()}）", label) for label, e in self.units().items()]

    def summary(self) -> str:
        """One line on what is indexed."""
        notices = self.assistant.notices
        if not notices:
            return f"还没有索引任何通知：在“添加通知”中上传一份，或把通知文件放进 {self.corpus_dir} 后重新启动。"
        return f"已索引 **{len(notices)}** 份通知、**{sum(len(n.items) for n in notices)}** 个工作要点。"

    # ------------------------------------------------------------------ chat
    def ask(self, question: str, notice_filter: list[str] | None = None, unit_filter: str | None = None) -> Answer:
        """Ask the current Assistant, confined to the chosen notices (files) and unit."""
        entry = self.units().get(unit_filter or "")
        unit = entry.name if entry else (unit_filter or None)
        return self.assistant.ask(question, notices=list(notice_filter or []) or None, unit=unit)

    def respond(
        self,
        question: str,
        history: list[dict[str, Any]] | None,
        notice_filter: list[str] | None = None,
        unit_filter: str | None = None,
    ) -> tuple[list[dict[str, Any]], str, str]:
        """Answer one chat turn.

        Returns:
            The history with the question and the escaped Markdown answer, the citation cards, and ""
            to clear the question box.
        """
        history = list(history or [])
        question = (question or "").strip()
        if not question:
            return history, render_citations(None), ""
        try:
            answer = self.ask(question, notice_filter, unit_filter)
        except AssistantError as e:
            history += [{"role": "user", "content": html.escape(question, quote=False)},
                        {"role": "assistant", "content": html.escape(f"出错了：{e}", quote=False)}]
            return history, render_citations(None), ""
        history += [
            {"role": "user", "content": html.escape(question, quote=False)},
            {"role": "assistant", "content": answer_markdown(answer)},
        ]
        return history, render_citations(answer), ""

    def ask_api(self, question: str, notices: list[str] | None = None, unit: str | None = None) -> dict[str, Any]:
        """The API endpoint: the Answer as JSON (see :meth:`~assistant.records.Answer.to_dict`)."""
        return self.ask(question, notices, unit).to_dict()

    # ------------------------------------------------------------------ browse
    def notice(self, file: str | None) -> Notice | None:
        """An indexed notice by its file (or 文号)."""
        for n in self.assistant.notices:
            if file and file in (n.file, n.doc.number):
                return n
        return None

    def browse_notice(self, file: str | None) -> str:
        """The Browse view of one notice."""
        notice = self.notice(file)
        if notice is None:
            return '<div class="empty">选择一份通知，查看它的章节和工作要点。</div>'
        return notice_html(notice)

    def department(self, name: str | None) -> UnitEntry | None:
        """A unit by its picker label, else the first unit the name matches loosely."""
        if not name:
            return None
        units = self.units()
        if name in units:
            return units[name]
        found = self.assistant.directory.find(name)
        return found[0] if found else None

    def department_view(self, name: str | None) -> tuple[str, str | None, str | None]:
        """A unit's work across the indexed notices.

        Returns:
            The HTML view, and the paths of its CSV and Excel exports (None when no unit is chosen).
        """
        entry = self.department(name)
        if entry is None:
            msg = "选择一个单位，查看它牵头和参与的全部工作。" if not name else f"没有找到单位“{name}”。"
            return f'<div class="empty">{esc(msg)}</div>', None, None
        directory = self.assistant.directory
        rows = department_rows(entry, directory)
        folder = Path(tempfile.mkdtemp(dir=self._exports))
        stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", entry.name) or "unit"
        csv_path = write_csv(rows, DEPARTMENT_HEADERS, folder / f"{stem}-工作清单.csv")
        xlsx_path = write_xlsx(rows, DEPARTMENT_HEADERS, folder / f"{stem}-工作清单.xlsx", entry.name)
        return department_html(entry, directory), str(csv_path), str(xlsx_path)

    # ------------------------------------------------------------------ add a notice
    def preview_notice(self, file: Any) -> Review:
        """Parse an uploaded file for review; nothing is written."""
        path = _file_path(file)
        if path is None:
            return Review('<div class="empty">上传一份 .txt、.html、.docx 或 .pdf 格式的通知。</div>', False)
        try:
            notice = self._parse_upload(path)
        except UnreadableFileError as e:
            return Review(_message(f"无法读取 {path.name}：{e.reason}。请上传通知正文的 .txt、.html、.docx 或 .pdf 文件。", False), False)
        notice.file = path.name
        return Review(_message("请核对解析结果，无误后点击“加入语料库并更新索引”。", True) + review_html(notice), True)

    def add_notice(self, file: Any) -> Review:
        """Parse an uploaded notice, copy it into the corpus, update the index incrementally and reload.

        A file that cannot be parsed or indexed changes nothing.
        """
        from assistant.index import build_index

        path = _file_path(file)
        if path is None:
            return Review(_message("请先选择要上传的文件。", False), False)
        try:
            notice = self._parse_upload(path)
        except UnreadableFileError as e:
            return Review(_message(f"无法读取 {path.name}：{e.reason}。语料库和索引没有改动。", False), False)
        with self._write:
            target = self._corpus_target(path)
            if target is None:
                return Review(_message(f"{path.name} 已在语料库中，语料库和索引没有改动。", True), False)
            shutil.copyfile(path, target)
            try:
                report = build_index(self.corpus_dir, self.index_dir, self.embedder, progress=False,
                                     on_progress=lambda line: print(f"[index] {line}", file=sys.stderr, flush=True))
                skipped = {Path(p).resolve(): reason for p, reason in report.skipped}
                if target.resolve() in skipped:
                    raise UnreadableFileError(str(target), skipped[target.resolve()])
                self.reload()
            except AssistantError as e:
                target.unlink(missing_ok=True)
                return Review(_message(f"没有加入 {path.name}：{e}", False), False)
        notice.file = target.relative_to(self.corpus_dir).as_posix()
        done = (
            f"已加入语料库：{notice.file}。索引已更新（新增 {len(report.added)} 份，"
            f"共 {len(report.added) + len(report.kept)} 份通知、{report.items} 个工作要点，用时 {report.seconds:.1f} 秒）。"
            "现在可以在“浏览通知”和“问答”中找到它。"
        )
        return Review(_message(done, True) + review_html(notice, "已加入的通知"), True)

    def reload(self) -> None:
        """Open the index folder again with the loaded embedder and swap in a new Assistant."""
        self.assistant = open_assistant(self.index_dir, self.embedder)

    def _parse_upload(self, path: Path) -> Notice:
        from assistant.parse import parse_notice

        if path.suffix.lower() not in UPLOAD_TYPES:
            raise UnreadableFileError(str(path), f"{path.suffix or '无扩展名'} 不是支持的格式（{'、'.join(UPLOAD_TYPES)}）")
        return parse_notice(path)

    def _corpus_target(self, upload: Path) -> Path | None:
        """Where an upload goes in the corpus: its own name, numbered if taken; None if already there."""
        from assistant.index import file_hash

        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", upload.name).lstrip(".") or "notice.txt"
        digest = file_hash(upload)
        stem, suffix = Path(name).stem, Path(name).suffix
        for i in range(1, 1000):
            target = self.corpus_dir / (name if i == 1 else f"{stem}-{i}{suffix}")
            if not target.exists():
                return target
            if file_hash(target) == digest:
                return None
        raise AssistantError(f"too many files named {name} in {self.corpus_dir}")


# ---------------------------------------------------------------------------------------- layout
def build_app(
    assistant: Assistant,
    corpus_dir: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    embedder: Embedder | None = None,
) -> gr.Blocks:
    """The Gradio Blocks: 问答, 浏览通知, 部门职责, 添加通知.

    Args:
        assistant: the Assistant over ``index_dir``.
        corpus_dir: where uploaded notices are saved.
        index_dir: the index folder to update after an upload.
        embedder: the loaded model (default: the Assistant's).
    """
    state = PolicyApp(assistant, corpus_dir, index_dir, embedder)
    notices = state.notice_choices()
    with gr.Blocks(title="政策通", analytics_enabled=False) as demo:
        gr.Markdown("# 政策通 · 政策文件问答助手")
        summary = gr.Markdown(state.summary(), elem_id="summary")
        with gr.Tabs():
            with gr.Tab("问答", id="chat", elem_id="tab-chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="对话", show_label=False, height=520, sanitize_html=True, allow_tags=False, latex_delimiters=[],
                            elem_id="chatbot", placeholder="问一个关于已索引通知的问题，答案会注明出处。",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                show_label=False, scale=5, elem_id="question", max_lines=3,
                                placeholder="输入问题，例如：哪些工作涉及水？分别由谁牵头？",
                            )
                            send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="send")
                        gr.Markdown("**试试这些问题**（点击即可提问）")
                        with gr.Row(elem_id="examples"):
                            example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES]
                        with gr.Accordion("检索范围（可选）", open=False, elem_id="filters"):
                            notice_filter = gr.Dropdown(
                                notices, multiselect=True, label="只在这些通知中查找", value=[], elem_id="notice-filter"
                            )
                            unit_filter = gr.Dropdown(
                                state.unit_choices(), label="只看这个单位承担的工作", value=None,
                                allow_custom_value=True, elem_id="unit-filter",
                            )
                        clear = gr.Button("清空对话", size="sm", variant="secondary")
                    with gr.Column(scale=2):
                        cards = gr.HTML(render_citations(None), elem_id="citations")
            with gr.Tab("浏览通知", id="browse", elem_id="tab-browse"):
                notice_pick = gr.Dropdown(
                    notices, value=notices[0][1] if notices else None, label="选择通知", elem_id="notice-pick"
                )
                notice_view = gr.HTML(state.browse_notice(notices[0][1] if notices else None), elem_id="notice-view")
            with gr.Tab("部门职责", id="department", elem_id="tab-department"):
                unit_pick = gr.Dropdown(
                    state.unit_choices(), value=None, label="选择单位", allow_custom_value=True, elem_id="unit-pick"
                )
                with gr.Row():
                    csv_button = gr.DownloadButton("下载 CSV", value=None, interactive=False, elem_id="download-csv")
                    xlsx_button = gr.DownloadButton("下载 Excel", value=None, interactive=False, elem_id="download-xlsx")
                unit_view = gr.HTML(state.department_view(None)[0], elem_id="unit-view")
            with gr.Tab("添加通知", id="add", elem_id="tab-add"):
                gr.Markdown("上传一份通知（.txt、.html、.docx、.pdf），核对解析结果后加入语料库，索引会自动更新。")
                upload = gr.File(label="通知文件", file_types=list(UPLOAD_TYPES), type="filepath", elem_id="upload")
                add_button = gr.Button("加入语料库并更新索引", variant="primary", interactive=False, elem_id="add-button")
                review = gr.HTML('<div class="empty">上传后，这里会显示解析结果。</div>', elem_id="review")

        chat_inputs = [question, chatbot, notice_filter, unit_filter]
        chat_outputs = [chatbot, cards, question]
        for trigger in (send.click, question.submit):
            trigger(state.respond, chat_inputs, chat_outputs, api_name="respond" if trigger == send.click else False,
                    concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(functools.partial(state.respond, text), chat_inputs[1:], chat_outputs,
                         api_name=False, concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        clear.click(lambda: ([], render_citations(None)), None, [chatbot, cards], api_name=False)
        gr.api(state.ask_api, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")

        notice_pick.change(state.browse_notice, notice_pick, notice_view, api_name=False)

        def show_department(name: str | None) -> tuple[str, Any, Any]:
            view, csv_path, xlsx_path = state.department_view(name)
            return (view, gr.DownloadButton(value=csv_path, interactive=csv_path is not None),
                    gr.DownloadButton(value=xlsx_path, interactive=xlsx_path is not None))

        unit_pick.change(show_department, unit_pick, [unit_view, csv_button, xlsx_button], api_name=False)

        def preview(file: Any) -> tuple[str, Any]:
            view, ok = state.preview_notice(file)
            return view, gr.Button(interactive=ok)

        def add(file: Any) -> tuple[Any, ...]:
            result = state.add_notice(file)
            choices = state.notice_choices()
            return (
                result.html,
                gr.Button(interactive=False),
                None if result.ok else gr.skip(),
                state.summary(),
                gr.Dropdown(choices=choices),
                gr.Dropdown(choices=choices),
                gr.Dropdown(choices=state.unit_choices()),
                gr.Dropdown(choices=state.unit_choices()),
            )

        upload.upload(preview, upload, [review, add_button], api_name=False)
        upload.clear(lambda: (state.preview_notice(None).html, gr.Button(interactive=False)), None,
                     [review, add_button], api_name=False)
        add_button.click(
            add, upload, [review, add_button, upload, summary, notice_pick, notice_filter, unit_pick, unit_filter],
            api_name=False, concurrency_limit=1,
        )
    return demo


def theme() -> gr.themes.Base:
    """A plain theme with local CJK fonts only (no web fonts: the app may run offline)."""
    fonts = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "sans-serif"]
    return gr.themes.Default(primary_hue="blue", font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])


def serve(
    corpus_dir: str | os.PathLike[str] = "corpus",
    index_dir: str | os.PathLike[str] = "index",
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    model: str | None = None,
) -> None:
    """Build or update the index over ``corpus_dir`` (printing progress), then run the app.

    Args:
        corpus_dir: the folder of notices.
        index_dir: the index folder, created or updated incrementally.
        host: the address to listen on.
        port: the port; None for ``GRADIO_SERVER_PORT`` or 7860.
        model: the embedding model (None for the packaged default).

    Raises:
        AssistantError: the corpus, the index or the model cannot be used; the message says what to do.
    """
    from assistant.embed import load_embedder
    from assistant.index import build_index

    def say(line: str) -> None:
        print(f"[index] {line}", file=sys.stderr, flush=True)

    say(f"loading the model {model or 'multilingual-e5-small (packaged)'}")
    embedder = load_embedder(model)
    build_index(corpus_dir, index_dir, embedder, progress=True, on_progress=say)
    demo = build_app(open_assistant(index_dir, embedder), corpus_dir, index_dir, embedder)
    demo.queue(default_concurrency_limit=1)
    demo.launch(server_name=host, server_port=port, theme=theme(), css=CSS, footer_links=["api"],
                show_error=True, quiet=False)
