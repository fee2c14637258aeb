"""The Gradio app: ask with cited answers, browse notices and departments, compare two years, add a notice.

A thin translator like the CLI: every callback reads its inputs, calls the core
(:class:`~assistant.answering.Assistant`, :class:`~assistant.directory.UnitDirectory`,
:func:`~assistant.compare.compare_in_index`, :func:`~assistant.library.check_upload`,
:func:`~assistant.library.add_upload`) and renders what comes back with :mod:`assistant.render`.
The callbacks are methods of :class:`PolicyApp`, so tests call them directly.

The chat holds no conversation on the server: each turn replays the history's last questions
through a fresh :meth:`~assistant.answering.Assistant.conversation`, so follow-ups hold after a
reload and in several tabs. Every view follows the index: after an upload, when a page opens, and
when a page left open sees the index changed (:data:`INDEX_CHECK_S`).

Every piece of document text put into HTML goes through :func:`html.escape`, and answer
Markdown is escaped before the chatbot renders it, so a notice that contains ``<script>`` shows
it as text and runs nothing.
"""

from __future__ import annotations

import csv
import functools
import html
import itertools
import os
import re
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import gradio as gr

from assistant.answering import Assistant, Conversation
from assistant.directory import UnitEntry
from assistant.errors import AssistantError
from assistant.parse.readers import MAX_FILE_BYTES, SUPPORTED
from assistant.records import Answer, Citation, Notice
from assistant.render import (
    COMPARE_HEADERS,
    CSS,
    DEPARTMENT_HEADERS,
    answer_markdown,
    compare_rows,
    compare_summary_html,
    compare_tables_html,
    department_html,
    department_rows,
    esc,
    message_html,
    notice_html,
    notice_label,
    render_citations,
    review_html,
    row_of,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI

    from assistant.embed import Embedder
    from assistant.library import UploadCheck

#: Questions a newcomer would ask, shown as buttons under the chat.
EXAMPLES: tuple[str, ...] = (
    "哪些工作涉及水？分别由谁牵头？",
    "市林草局牵头哪些工作？",
    "第13项由谁牵头？",
    "城市生活垃圾无害化处理率要达到多少？",
    "海东市生态文明工作要点的文号是什么？",
    "东政办〔2019〕138号一共有多少项任务？",
)
# Concurrent chat answers: the model is shared and the machine may have two cores; the queue holds the rest.
CHAT_CONCURRENCY = 4
#: Earlier questions of a chat heard again before a new one, so a follow-up ("那市水务局呢？") is read against
#: them; a few, as a chain of follow-ups leans on the turns before it.
REPLAY_TURNS = 4
#: The 部门职责 范围 choice for every indexed notice.
ALL_NOTICES = "all"
#: How often an open page checks whether the index changed (a notice added in another tab or through the API).
INDEX_CHECK_S = 10

#: The card panel and the department view (``js_on_load``, run once; the listener outlives content updates):
#: a ``.cite-link`` asks the server to open its row in 浏览通知; 复制答案 copies the panel's plain text,
#: through the Clipboard API where the page is a secure context, else through a selected textarea.
PANEL_JS = """
element.addEventListener('click', (event) => {
  const link = event.target.closest('a.cite-link');
  if (link) {
    event.preventDefault();
    trigger('click', {file: link.dataset.file, row: Number(link.dataset.row)});
    return;
  }
  const button = event.target.closest('button.copy-answer');
  if (!button) return;
  const text = button.parentElement.querySelector('textarea.copy-text')?.textContent || '';
  const done = () => {
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = '已复制';
    setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
  };
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand('copy')) done(); } finally { area.remove(); }
  };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
  else fallback();
});
"""
#: The notice view: after a card's link, scroll to the marked row once its tab is shown.
NOTICE_JS = """
const jump = () => {
  const row = element.querySelector('tr.point-row.target');
  if (!row) return;
  let tries = 0;
  const go = () => {
    if (row.offsetParent === null && tries++ < 60) { setTimeout(go, 50); return; }
    row.scrollIntoView({block: 'center'});
  };
  go();
};
watch('value', jump);
jump();
"""


def write_csv(rows: list[list[Any]], headers: list[str], path: Path) -> Path:
    """Write rows as UTF-8 CSV with a BOM, so Excel opens the Chinese correctly."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(
    rows: list[list[Any]],
    headers: list[str],
    path: Path,
    title: str = "工作清单",
    widths: tuple[int, ...] = (10, 40, 22, 8, 30, 36, 24, 40),
) -> Path:
    """Write rows as an Excel sheet with a bold header row and the given column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    wb.save(path)
    return path


def _stem(text: str) -> str:
    """Text made safe for a file name: runs of anything but letters, digits, CJK and ``-`` become ``_``."""
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", text).strip("_")


def _file_path(file: Any) -> Path | None:
    """The local path of an uploaded file, whichever way Gradio passes it."""
    if file is None:
        return None
    if isinstance(file, (str, os.PathLike)):
        return Path(file)
    name = getattr(file, "name", None) or getattr(file, "path", None)
    return Path(name) if name else None


def message_text(content: Any) -> str:
    """A chat message's text, whichever way Gradio passes it: a string, or a list of ``{"type": "text"}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return "".join(message_text(part) for part in content)
    return ""


def user_questions(history: list[dict[str, Any]] | None) -> list[str]:
    """The questions of a chat history as asked (the chat shows them escaped), oldest first."""
    return [html.unescape(message_text(m.get("content"))) for m in history or [] if m.get("role") == "user"]


def _warnings_html(warnings: list[str]) -> str:
    """What was read with a loss (undecodable bytes replaced), one line each."""
    return "".join(message_html(f"注意：{w}", False) for w in warnings)


# ---------------------------------------------------------------------------------------- state
class Review(NamedTuple):
    """What the Add tab shows after an upload or an add: HTML, and whether it went through."""

    html: str
    ok: bool


class CompareView(NamedTuple):
    """What the 年度对比 tab shows: the counts, the tables, and the CSV and Excel exports (None on an error)."""

    summary: str
    tables: str
    csv: str | None
    xlsx: str | None


class IndexViews(NamedTuple):
    """What every tab shows of the current index (:meth:`PolicyApp.index_views`), after an upload or on a page load."""

    summary: str
    notices: list[tuple[str, str]]  # (label, file) for every picker of notices
    browse: str | None  # the notice 浏览通知 shows
    browse_html: str
    units: list[tuple[str, str]]  # the unit pickers' choices
    scopes: list[tuple[str, str]]  # the 部门职责 范围 choices
    scope: str
    department: tuple[str, str | None, str | None]  # the 部门职责 view and its exports
    pair: tuple[str | None, str | None]  # the 年度对比 pickers
    compare_hint: str


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
        max_bytes: int | None = MAX_FILE_BYTES,
    ) -> None:
        self.assistant = assistant
        self.embedder = embedder or assistant.searcher.embedder
        self.corpus_dir = Path(corpus_dir)
        self.index_dir = Path(index_dir)
        self.max_bytes = max_bytes  # the size limit for an upload (--max-file-mb)
        self._write = threading.Lock()
        self._exports = Path(tempfile.mkdtemp(prefix="assistant-exports-"))
        self._jumps = itertools.count(1)
        #: How many times the index was opened again (:meth:`reload`); a page showing an older one refreshes.
        self.generation = 0

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
    def _filters(self, notice_filter: list[str] | None, unit_filter: str | None) -> tuple[list[str] | None, str | None]:
        """The chat's filters as the core takes them: notice files (None for all) and a unit name."""
        entry = self.units().get(unit_filter or "")
        return list(notice_filter or []) or None, entry.name if entry else (unit_filter or None)

    def ask(self, question: str, notice_filter: list[str] | None = None, unit_filter: str | None = None) -> Answer:
        """Ask the current Assistant one question on its own, confined to the chosen notices (files) and unit."""
        return self.assistant.ask(question, *self._filters(notice_filter, unit_filter))

    def conversation(
        self, history: list[dict[str, Any]] | None, notice_filter: list[str] | None = None, unit_filter: str | None = None
    ) -> Conversation:
        """A fresh conversation that has heard the chat's last few questions again (:data:`REPLAY_TURNS`).

        Rebuilt from the history the chat passes, so follow-ups hold after a page reload, in several tabs
        and through the API; an empty history (清空对话) is a new conversation.
        """
        conv = self.assistant.conversation()
        filters = self._filters(notice_filter, unit_filter)
        for question in user_questions(history)[-REPLAY_TURNS:]:
            conv.ask(question, *filters)
        return conv

    def cards(self, answer: Answer | None) -> str:
        """The card panel for an answer, each card linked to its row in 浏览通知."""
        return render_citations(answer, self.citation_row)

    def citation_row(self, citation: Citation) -> int | None:
        """Where a cited work point stands in its notice (its ``point-<i>`` row in 浏览通知); None if not indexed."""
        notice = self.notice(citation.file) or self.notice(citation.doc.number)
        return row_of(notice, citation.point) if notice is not None else None

    def respond(
        self,
        question: str,
        history: list[dict[str, Any]] | None,
        notice_filter: list[str] | None = None,
        unit_filter: str | None = None,
    ) -> tuple[list[dict[str, Any]], str, str]:
        """Answer one chat turn, read against the chat's earlier questions (:meth:`conversation`).

        Returns:
            The history with the question and the escaped Markdown answer, the citation cards, and ""
            to clear the question box.
        """
        history = list(history or [])
        question = (question or "").strip()
        if not question:
            return history, render_citations(None), ""
        try:
            answer = self.conversation(history, notice_filter, unit_filter).ask(
                question, *self._filters(notice_filter, unit_filter)
            )
        except AssistantError as e:
            history += [{"role": "user", "content": html.escape(question, quote=False)},
                        {"role": "assistant", "content": html.escape(f"出错了：{e}", quote=False)}]
            return history, render_citations(None), ""
        history += [
            {"role": "user", "content": html.escape(question, quote=False)},
            {"role": "assistant", "content": answer_markdown(answer)},
        ]
        return history, self.cards(answer), ""

    def turn_cards(
        self,
        history: list[dict[str, Any]] | None,
        index: int,
        notice_filter: list[str] | None = None,
        unit_filter: str | None = None,
    ) -> str:
        """The card panel of an earlier turn (the message at ``index`` of the history, or the answer to it),
        heard again with the questions before it, so each answer can be looked at and copied again."""
        upto = list(history or [])[: index + 1]
        questions = user_questions(upto)
        if not questions:
            return render_citations(None)
        before = [m for m in upto if m.get("role") == "user"][:-1]
        try:
            answer = self.conversation(before, notice_filter, unit_filter).ask(
                questions[-1], *self._filters(notice_filter, unit_filter)
            )
        except AssistantError:
            return render_citations(None)
        return self.cards(answer)

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

    def browse_notice(self, file: str | None, row: int | None = None) -> str:
        """The Browse view of one notice; ``row`` (a card's link) is shown opened and marked, and scrolled to."""
        notice = self.notice(file)
        if notice is None:
            return '<div class="empty">选择一份通知，查看它的章节和工作要点。</div>'
        if row is not None and not 0 <= row < len(notice.items):
            row = None
        return notice_html(notice, row, next(self._jumps) if row is not None else 0)

    def department(self, name: str | None) -> UnitEntry | None:
        """A unit by its picker label, else the first unit the name matches loosely."""
        if not name:
            return None
        units = self.units()
        if name in units:
            return units[name]
        found = self.assistant.directory.find(name)
        return found[0] if found else None

    def department_scopes(self) -> list[tuple[str, str]]:
        """(label, value) for the 部门职责 范围 picker: every notice, each year, each notice."""
        notices = self.assistant.notices
        years = Counter(n.doc.year for n in notices if n.doc.year)
        return [
            ("全部通知", ALL_NOTICES),
            *[(f"{y}年（{k} 份通知）", f"year:{y}") for y, k in sorted(years.items(), reverse=True)],
            *[(notice_label(n), f"file:{n.file}") for n in notices],
        ]

    def scope_notices(self, scope: str | None) -> tuple[list[Notice] | None, str]:
        """The notices a 范围 value confines to (None for all) and how the view names it."""
        kind, _, value = (scope or "").partition(":")
        notices = self.assistant.notices
        if kind == "year" and value.isdigit():
            return [n for n in notices if n.doc.year == int(value)], f"{value}年的通知"
        if kind == "file":
            notice = self.notice(value)
            if notice is not None:
                return [notice], notice_label(notice)
        return None, ""

    def department_view(
        self, name: str | None, scope: str | None = None
    ) -> tuple[str, str | None, str | None]:
        """A unit's work across the indexed notices, or confined to a year or a notice (``scope``, a value of
        :meth:`department_scopes`).

        Returns:
            The HTML view, and the paths of its CSV and Excel exports (None when no unit is chosen).
        """
        entry = self.department(name)
        if entry is None:
            msg = "选择一个单位，查看它牵头和参与的全部工作。" if not name else f"没有找到单位“{name}”。"
            return f'<div class="empty">{esc(msg)}</div>', None, None
        directory = self.assistant.directory
        notices, label = self.scope_notices(scope)
        if notices is not None:
            keep = {id(n) for n in notices}
            points = defaultdict(list, {r: [(n, p) for n, p in pts if id(n) in keep] for r, pts in entry.points.items()})
            entry = UnitEntry(entry.key, entry.place, list(entry.names), points)
        rows = department_rows(entry, directory)
        folder = Path(tempfile.mkdtemp(dir=self._exports))
        stem = _stem(entry.name) or "unit"
        csv_path = write_csv(rows, DEPARTMENT_HEADERS, folder / f"{stem}-工作清单.csv")
        xlsx_path = write_xlsx(rows, DEPARTMENT_HEADERS, folder / f"{stem}-工作清单.xlsx", entry.name)
        return department_html(entry, directory, label), str(csv_path), str(xlsx_path)

    # ------------------------------------------------------------------ compare two years
    def default_pair(self) -> tuple[str, str] | None:
        """The files of the two most recent editions of one notice family (earlier first), for the pickers.

        Of the families (:func:`assistant.compare.same_family`) with two or more editions, the one whose
        latest edition is most recent; None if there is none.
        """
        from assistant.compare import same_family

        def when(n: Notice) -> tuple[int, str, str]:
            return (n.doc.year or 0, n.doc.date, n.doc.published)

        notices = sorted(self.assistant.notices, key=when)
        pairs = [(a, b) for i, b in enumerate(notices) for a in notices[:i] if same_family(a, b)]
        if not pairs:
            return None
        a, b = max(pairs, key=lambda pair: (when(pair[1]), when(pair[0])))
        return a.file, b.file

    def compare_hint(self) -> str:
        """What the 年度对比 tab says before a comparison."""
        if len(self.assistant.notices) < 2:
            return message_html(
                f"已索引 {len(self.assistant.notices)} 份通知，对比需要两份：请在“添加通知”中上传另一年的同一份通知。", False
            )
        if self.default_pair() is None:
            return (
                '<div class="empty">还没有同一发文机关的两份通知；可以任选两份比较，'
                "或在“添加通知”中上传另一年的同一份通知。</div>"
            )
        return '<div class="empty">选择通知 A（较早的一份）和通知 B（较新的一份），点击“比较”。</div>'

    def compare_view(self, name_a: str | None, name_b: str | None) -> CompareView:
        """Compare two indexed notices (by file, 文号 or year) with the embeddings the index already holds.

        Returns:
            The counts and the tables as HTML and the paths of the CSV and Excel exports; on a wrong
            choice (one notice twice, a notice missing) a message saying what to pick, and no exports.
        """
        from assistant.compare import compare_in_index

        def error(text: str) -> CompareView:
            return CompareView(message_html(text, False), "", None, None)

        if len(self.assistant.notices) < 2:
            return CompareView(self.compare_hint(), "", None, None)
        if not name_a or not name_b:
            return error("请选择两份通知：A 为较早的一份，B 为较新的一份。")
        if name_a == name_b:
            return error("A 和 B 是同一份通知：请选择两份不同的通知（例如同一工作要点的两个年度）。")
        try:
            comparison = compare_in_index(self.assistant.searcher.index, name_a, name_b)
        except AssistantError as e:
            return error(f"无法比较：{e}")
        rows = compare_rows(comparison)
        folder = Path(tempfile.mkdtemp(dir=self._exports))
        stem = f"{_stem(comparison.a.label)}-{_stem(comparison.b.label)}-对比"
        csv_path = write_csv(rows, COMPARE_HEADERS, folder / f"{stem}.csv")
        xlsx_path = write_xlsx(rows, COMPARE_HEADERS, folder / f"{stem}.xlsx", "年度对比",
                               widths=(8, 8, 8, 30, 10, 16, 16, 40, 40, 8))
        return CompareView(compare_summary_html(comparison), compare_tables_html(comparison), str(csv_path),
                           str(xlsx_path))

    # ------------------------------------------------------------------ add a notice
    def preview_notice(self, file: Any) -> Review:
        """Check an uploaded file and show what it holds for review (:func:`~assistant.library.check_upload`); nothing is written."""
        from assistant.library import check_upload

        path = _file_path(file)
        if path is None:
            return Review('<div class="empty">上传一份 .txt、.md、.html、.docx 或 .pdf 格式的通知。</div>', False)
        check = check_upload(path, self.corpus_dir, self.assistant.searcher.index, self.max_bytes)
        if not check.ok:
            review = review_html(check.notice, "上传的文件") if check.notice is not None else ""
            return Review(self._problem_html(check, adding=False) + review, False)
        return Review(
            message_html("请核对解析结果，无误后点击“加入语料库并更新索引”。", True)
            + _warnings_html(check.warnings) + review_html(check.notice), True
        )

    def add_notice(self, file: Any) -> Review:
        """Add an uploaded notice (:func:`~assistant.library.add_upload`): the checks, the copy into the
        corpus, the incremental index update, then a reload. A file that cannot be added changes nothing."""
        from assistant.library import add_upload

        path = _file_path(file)
        if path is None:
            return Review(message_html("请先选择要上传的文件。", False), False)
        with self._write:
            result = add_upload(path, self.corpus_dir, self.index_dir, self.embedder, self.max_bytes,
                                index=self.assistant.searcher.index,
                                on_progress=lambda line: print(f"[index] {line}", file=sys.stderr, flush=True))
            if result.ok:
                try:
                    self.reload()
                except AssistantError as e:
                    return Review(message_html(f"已加入 {result.file}，但索引没能重新载入：{e}", False), False)
        if result.check.problem:
            return Review(self._problem_html(result.check, adding=True), False)
        if not result.ok or result.report is None or result.check.notice is None:
            return Review(message_html(f"没有加入 {path.name}：{result.reason}。语料库和索引没有改动。", False), False)
        report = result.report
        done = (
            f"已加入语料库：{result.file}。索引已更新（新增 {len(report.added)} 份，"
            f"共 {len(report.added) + len(report.kept)} 份通知、{report.items} 个工作要点，用时 {report.seconds:.1f} 秒）。"
            "现在可以在“浏览通知”和“问答”中找到它。"
        )
        return Review(
            message_html(done, True) + _warnings_html(result.check.warnings)
            + review_html(result.check.notice, "已加入的通知"), True
        )

    def _problem_html(self, check: UploadCheck, adding: bool) -> str:
        """Why an upload cannot be added, and what to do, for the Add tab."""
        name, unchanged = check.name, "语料库和索引没有改动。" if adding else ""
        if check.problem == "size":
            limit = f"{self.max_bytes / 2**20:g}" if self.max_bytes else "?"
            text = (
                f"{name} 有 {check.size / 2**20:.1f} MB，超过单份通知 {limit} MB 的上限，没有写入任何内容。"
                "请把它拆成单份通知，或用 --max-file-mb 提高上限后重新启动。"
            )
        elif check.problem == "duplicate" and check.duplicate is not None:
            doc = check.duplicate.doc
            number = f"，{doc.number}" if doc.number and doc.title else ""
            text = (
                f"{name} 已在语料库中：与已索引的通知《{doc.title or doc.number}》（文件 {check.duplicate.file}{number}）"
                f"内容相同，不会重复加入。{unchanged}"
            )
        elif check.problem == "duplicate":
            text = f"{name} 已在语料库中（同一文件），不会重复加入。{unchanged}"
        elif check.problem == "format":
            suffix = Path(name).suffix or "无扩展名"
            text = f"无法读取 {name}：{suffix} 不是支持的格式（{'、'.join(SUPPORTED)}），请另存为其中一种再上传。{unchanged}"
        else:
            hint = unchanged or "请上传通知正文的 .txt、.md、.html、.docx 或 .pdf 文件。"
            text = f"无法读取 {name}：{check.reason}。{hint}"
        return message_html(text, False)

    def reload(self) -> None:
        """Open the index folder again with the loaded embedder and swap in a new Assistant."""
        self.assistant = open_assistant(self.index_dir, self.embedder)
        self.generation += 1

    def index_views(
        self, browse: str | None = None, unit: str | None = None, scope: str | None = None, added: str | None = None
    ) -> IndexViews:
        """What every tab shows of the index as it is now: the header count, 浏览通知 (the added notice, else the
        one shown, else the first), the pickers' choices, 部门职责 redone for the chosen unit and 范围, and
        年度对比 on the newest two editions. Choices the user made are kept while they still name something indexed.
        """
        notices = self.notice_choices()
        files = [f for _, f in notices]
        browse = added if added in files else browse if browse in files else (files[0] if files else None)
        scopes = self.department_scopes()
        scope = scope if scope in {v for _, v in scopes} else ALL_NOTICES
        return IndexViews(
            summary=self.summary(),
            notices=notices,
            browse=browse,
            browse_html=self.browse_notice(browse),
            units=self.unit_choices(),
            scopes=scopes,
            scope=scope,
            department=self.department_view(unit, scope),
            pair=self.default_pair() or (None, None),
            compare_hint=self.compare_hint(),
        )

# ---------------------------------------------------------------------------------------- layout
def build_app(
    assistant: Assistant,
    corpus_dir: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    embedder: Embedder | None = None,
    max_bytes: int | None = MAX_FILE_BYTES,
    *,
    state: PolicyApp | None = None,
) -> gr.Blocks:
    """The Gradio Blocks: 问答, 浏览通知, 部门职责, 年度对比, 添加通知.

    Args:
        assistant: the Assistant over ``index_dir``.
        corpus_dir: where uploaded notices are saved.
        index_dir: the index folder to update after an upload.
        embedder: the loaded model (default: the Assistant's).
        max_bytes: the size limit for an upload; None for none.
        state: an app state to share (the HTTP API's, :func:`web_app`) instead of a new one from the above.
    """
    state = state or PolicyApp(assistant, corpus_dir, index_dir, embedder, max_bytes)
    notices = state.notice_choices()
    with gr.Blocks(title="政策通", analytics_enabled=False) as demo:
        gr.Markdown("# 政策通 · 政策文件问答助手")
        summary = gr.Markdown(state.summary(), elem_id="summary")
        with gr.Tabs() as tabs:
            with gr.Tab("问答", id="chat", elem_id="tab-chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        # No copy buttons of the chatbot's own: they copy the raw Markdown without its 出处;
                        # the card panel's 复制答案（含出处） copies the plain text.
                        chatbot = gr.Chatbot(
                            label="对话", show_label=False, height=520, sanitize_html=True, allow_tags=False, latex_delimiters=[],
                            elem_id="chatbot", placeholder="问一个关于已索引通知的问题，答案会注明出处。", buttons=[],
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                show_label=False, scale=5, elem_id="question", max_lines=3,
                                placeholder="输入问题，例如：哪些工作涉及水？分别由谁牵头？",
                            )
                            send = gr.Button("提问", variant="primary", scale=1, min_width=80, elem_id="send")
                        gr.Markdown("**试试这些问题**（点击即可提问；可以接着追问，例如“那市水务局呢？”）")
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
                        clear = gr.Button("清空对话", size="sm", variant="secondary", elem_id="clear")
                    with gr.Column(scale=2):
                        cards = gr.HTML(state.cards(None), elem_id="citations", js_on_load=PANEL_JS)
            with gr.Tab("浏览通知", id="browse", elem_id="tab-browse"):
                notice_pick = gr.Dropdown(
                    notices, value=notices[0][1] if notices else None, label="选择通知", elem_id="notice-pick"
                )
                notice_view = gr.HTML(state.browse_notice(notices[0][1] if notices else None), elem_id="notice-view",
                                      js_on_load=NOTICE_JS)
            with gr.Tab("部门职责", id="department", elem_id="tab-department"):
                with gr.Row(equal_height=True):
                    unit_pick = gr.Dropdown(
                        state.unit_choices(), value=None, label="选择单位", allow_custom_value=True, scale=3,
                        elem_id="unit-pick",
                    )
                    unit_scope = gr.Dropdown(
                        state.department_scopes(), value=ALL_NOTICES, label="范围（全部通知、某一年或某份通知）", scale=2,
                        elem_id="unit-scope",
                    )
                with gr.Row():
                    csv_button = gr.DownloadButton("下载 CSV", value=None, interactive=False, elem_id="download-csv")
                    xlsx_button = gr.DownloadButton("下载 Excel", value=None, interactive=False, elem_id="download-xlsx")
                unit_view = gr.HTML(state.department_view(None)[0], elem_id="unit-view", js_on_load=PANEL_JS)
            with gr.Tab("年度对比", id="compare", elem_id="tab-compare"):
                pair = state.default_pair() or (None, None)
                with gr.Row(equal_height=True):
                    compare_a = gr.Dropdown(notices, value=pair[0], label="通知 A（较早的一份）", scale=4, elem_id="compare-a")
                    compare_b = gr.Dropdown(notices, value=pair[1], label="通知 B（较新的一份）", scale=4, elem_id="compare-b")
                    compare_button = gr.Button("比较", variant="primary", scale=1, min_width=80, elem_id="compare-button")
                compare_summary = gr.HTML(state.compare_hint(), elem_id="compare-summary")
                with gr.Row():
                    compare_csv = gr.DownloadButton("下载 CSV", value=None, interactive=False, elem_id="compare-csv")
                    compare_xlsx = gr.DownloadButton("下载 Excel", value=None, interactive=False, elem_id="compare-xlsx")
                compare_tables = gr.HTML("", elem_id="compare-tables")
            with gr.Tab("添加通知", id="add", elem_id="tab-add"):
                gr.Markdown("上传一份通知（.txt、.html、.docx、.pdf），核对解析结果后加入语料库，索引会自动更新。")
                upload = gr.File(label="通知文件", file_types=list(SUPPORTED), type="filepath", elem_id="upload")
                add_button = gr.Button("加入语料库并更新索引", variant="primary", interactive=False, elem_id="add-button")
                review = gr.HTML('<div class="empty">上传后，这里会显示解析结果。</div>', elem_id="review")

        # ---------------------------------------------------------------- chat
        chat_inputs = [question, chatbot, notice_filter, unit_filter]
        chat_outputs = [chatbot, cards, question]
        for trigger in (send.click, question.submit):
            trigger(state.respond, chat_inputs, chat_outputs, api_name="respond" if trigger == send.click else False,
                    concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        for button, text in zip(example_buttons, EXAMPLES, strict=True):
            button.click(functools.partial(state.respond, text), chat_inputs[1:], chat_outputs,
                         api_name=False, concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        clear.click(lambda: ([], state.cards(None)), None, [chatbot, cards], api_name=False)
        chatbot.clear(lambda: state.cards(None), None, cards, api_name=False)  # the chatbot's own 🗑
        gr.api(state.ask_api, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")

        def show_turn(history: list[dict[str, Any]], notice_filter: list[str] | None, unit_filter: str | None,
                      evt: gr.SelectData) -> str:
            index = evt.index if isinstance(evt.index, int) else evt.index[0]
            return state.turn_cards(history, index, notice_filter, unit_filter)

        chatbot.select(show_turn, chat_inputs[1:], cards, api_name=False, concurrency_limit=CHAT_CONCURRENCY,
                       concurrency_id="chat")

        # ---------------------------------------------------------------- browse, and the cards' links to it
        notice_pick.input(state.browse_notice, notice_pick, notice_view, api_name=False)

        def jump(evt: gr.EventData) -> tuple[Any, Any, Any]:
            file, row = getattr(evt, "file", None), getattr(evt, "row", None)
            if not file or state.notice(file) is None:
                return gr.skip(), gr.skip(), gr.skip()
            row = int(row) if isinstance(row, (int, float, str)) and str(row).lstrip("-").isdigit() else None
            return gr.Tabs(selected="browse"), gr.Dropdown(value=file), state.browse_notice(file, row)

        for panel in (cards, unit_view):
            panel.click(jump, None, [tabs, notice_pick, notice_view], api_name=False)

        # ---------------------------------------------------------------- departments
        def show_department(name: str | None, scope: str | None) -> tuple[str, Any, Any]:
            view, csv_path, xlsx_path = state.department_view(name, scope)
            return (view, gr.DownloadButton(value=csv_path, interactive=csv_path is not None),
                    gr.DownloadButton(value=xlsx_path, interactive=xlsx_path is not None))

        department_outputs = [unit_view, csv_button, xlsx_button]
        unit_pick.change(show_department, [unit_pick, unit_scope], department_outputs, api_name=False)
        unit_scope.input(show_department, [unit_pick, unit_scope], department_outputs, api_name=False)

        # ---------------------------------------------------------------- compare
        def show_comparison(name_a: str | None, name_b: str | None) -> tuple[str, str, Any, Any]:
            view = state.compare_view(name_a, name_b)
            return (view.summary, view.tables, gr.DownloadButton(value=view.csv, interactive=view.csv is not None),
                    gr.DownloadButton(value=view.xlsx, interactive=view.xlsx is not None))

        compare_outputs = [compare_summary, compare_tables, compare_csv, compare_xlsx]
        compare_button.click(show_comparison, [compare_a, compare_b], compare_outputs, api_name=False)

        # ---------------------------------------------------------------- every view follows the index
        shown = gr.State(state.generation)  # the index generation this page shows
        following = [shown, summary, notice_pick, notice_view, notice_filter, unit_filter, unit_pick, unit_scope,
                     *department_outputs, compare_a, compare_b, *compare_outputs]
        choices = [notice_pick, unit_pick, unit_scope]

        def follow_index(browse: str | None, unit: str | None, scope: str | None, added: str | None = None
                         ) -> tuple[Any, ...]:
            generation = state.generation
            views = state.index_views(browse, unit, scope, added)
            csv_path, xlsx_path = views.department[1:]
            return (
                generation,
                views.summary,
                gr.Dropdown(choices=views.notices, value=views.browse),
                views.browse_html,
                gr.Dropdown(choices=views.notices),
                gr.Dropdown(choices=views.units),
                gr.Dropdown(choices=views.units),
                gr.Dropdown(choices=views.scopes, value=views.scope),
                views.department[0],
                gr.DownloadButton(value=csv_path, interactive=csv_path is not None),
                gr.DownloadButton(value=xlsx_path, interactive=xlsx_path is not None),
                gr.Dropdown(choices=views.notices, value=views.pair[0]),
                gr.Dropdown(choices=views.notices, value=views.pair[1]),
                views.compare_hint, "", gr.DownloadButton(value=None, interactive=False),
                gr.DownloadButton(value=None, interactive=False),
            )

        def follow_if_changed(generation: int, browse: str | None, unit: str | None, scope: str | None
                              ) -> tuple[Any, ...]:
            if generation == state.generation:
                return tuple(gr.skip() for _ in following)
            return follow_index(browse, unit, scope)

        # A page opened or reloaded after an upload shows the index as it is now, not as it was at start-up;
        # a page left open catches up with a notice added elsewhere (another tab, the HTTP API).
        demo.load(follow_index, choices, following, api_name=False)
        gr.Timer(INDEX_CHECK_S).tick(follow_if_changed, [shown, *choices], following, api_name=False,
                                     show_progress="hidden")

        # ---------------------------------------------------------------- add a notice
        def preview(file: Any) -> tuple[str, Any]:
            view, ok = state.preview_notice(file)
            return view, gr.Button(interactive=ok)

        def add(file: Any, browse: str | None, unit: str | None, scope: str | None) -> tuple[Any, ...]:
            before = {f for _, f in state.notice_choices()}
            result = state.add_notice(file)
            if not result.ok:
                return (result.html, gr.Button(interactive=False), gr.skip(), *[gr.skip()] * len(following))
            added = next((f for _, f in state.notice_choices() if f not in before), None)
            return (result.html, gr.Button(interactive=False), None, *follow_index(browse, unit, scope, added))

        upload.upload(preview, upload, [review, add_button], api_name=False)
        upload.clear(lambda: (state.preview_notice(None).html, gr.Button(interactive=False)), None,
                     [review, add_button], api_name=False)
        add_button.click(add, [upload, *choices], [review, add_button, upload, *following],
                         api_name=False, concurrency_limit=1)
    return demo


def theme() -> gr.themes.Base:
    """A plain theme with local CJK fonts only (no web fonts: the app may run offline)."""
    fonts = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "sans-serif"]
    return gr.themes.Default(primary_hue="blue", font=fonts, font_mono=["Noto Sans Mono CJK SC", "monospace"])


def web_app(
    state: PolicyApp,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    cors: Sequence[str] = (),
) -> FastAPI:
    """The server :func:`serve` runs: the HTTP API (:func:`assistant.server.create_api`) under ``/v1``,
    ``/docs`` and ``/openapi.json``, with the Gradio app mounted at ``/``, both over one ``state``, so a
    notice added through either is seen by both."""
    from assistant.server import create_api

    demo = build_app(state.assistant, state.corpus_dir, state.index_dir, state.embedder, state.max_bytes, state=state)
    demo.queue(default_concurrency_limit=1)
    api = create_api(state, token=token, host=host, cors=cors)
    return gr.mount_gradio_app(api, demo, path="/", theme=theme(), css=CSS, footer_links=["api"], show_error=True)


def serve(
    corpus_dir: str | os.PathLike[str] = "corpus",
    index_dir: str | os.PathLike[str] = "index",
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    model: str | None = None,
    max_bytes: int | None = MAX_FILE_BYTES,
    token: str | None = None,
    cors: Sequence[str] = (),
) -> None:
    """Build or update the index over ``corpus_dir`` (printing progress and warnings), then run the
    server: the app at ``/`` and the HTTP API under ``/v1`` (:func:`web_app`), until Ctrl-C.

    A damaged index folder is built again; files too large, unreadable or repeated are skipped,
    each named once in a warning line.

    Args:
        corpus_dir: the folder of notices.
        index_dir: the index folder, created or updated incrementally.
        host: the address to listen on (localhost unless told otherwise).
        port: the port; None for ``GRADIO_SERVER_PORT`` or 7860.
        model: the embedding model (None for the packaged default).
        max_bytes: the size limit for one notice, in the corpus and on upload (``--max-file-mb``).
        token: the API's bearer token; None for none (see :mod:`assistant.server` for when it is needed).
        cors: origins a browser may call the API from; none by default.

    Raises:
        AssistantError: the corpus, the index or the model cannot be used; the message says what to do.
    """
    import uvicorn

    from assistant.api_guards import is_local
    from assistant.embed import load_embedder
    from assistant.index import build_index

    def say(line: str) -> None:
        print(f"[index] {line}", file=sys.stderr, flush=True)

    say(f"loading the model {model or 'multilingual-e5-small (packaged)'}")
    embedder = load_embedder(model)
    report = build_index(corpus_dir, index_dir, embedder, progress=True, on_progress=say, max_bytes=max_bytes)
    for path, message in report.warnings:
        say(f"warning: {path}: {message}")
    state = PolicyApp(open_assistant(index_dir, embedder), corpus_dir, index_dir, embedder, max_bytes)
    app = web_app(state, host=host, token=token, cors=cors)
    port = port or int(os.environ.get("GRADIO_SERVER_PORT") or 7860)
    url = f"http://{'localhost' if host in ('0.0.0.0', '::', '') else host}:{port}"
    print(f"政策通 at {url}/ (the app), {url}/v1 (the API), {url}/docs (its documentation); Ctrl-C stops it",
          file=sys.stderr, flush=True)
    if not is_local(host) and not token:
        print(f"warning: listening on {host} with no token: anyone who can reach it can ask and add notices; "
              "set --token or ASSISTANT_TOKEN", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
