"""The app's callbacks, called directly on a real index over the seed notice (no browser)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import gradio as gr
import pytest
from conftest import ROOT, SEED

from assistant.records import Answer, Citation
from assistant.ui import (
    EXAMPLES,
    PolicyApp,
    answer_markdown,
    build_app,
    department_rows,
    highlight,
    notice_html,
    notice_table,
    open_assistant,
    render_citations,
    review_html,
)

WATER = "哪些工作涉及水？分别由谁牵头？"
EVIL = """发文字号: 测政办〔2020〕7号
成文日期: 2020年03月01日
测试市人民政府办公室
关于印发测试市网页安全工作要点的通知

一、重点任务
1. 加强网页安全检查<script>alert(1)</script>。对所有网站开展脚本注入检查，<img src=x onerror=alert(1)>图片标签必须显示为文字。
牵头单位:市网信办<b>加粗</b>
责任单位:市公安局
2. 推进网页安全宣传。开展网页安全宣传周活动，提高干部职工的网络安全意识。
牵头单位:市网信办
责任单位:市教育局
"""


def make_docx(path: Path) -> Path:
    """A small notice as .docx: a 文号, a date, and three numbered tasks with 牵头单位 lines."""
    from docx import Document

    doc = Document()
    for line in [
        "发文字号: 试政办〔2024〕12号",
        "成文日期: 2024年05月06日",
        "试点市人民政府办公室",
        "关于印发试点市节水型城市建设工作要点的通知",
        "一、重点任务",
        "1. 推进公共机构节水改造。完成市直机关节水器具更换，年底前节水器具普及率达到100%。",
        "牵头单位:市机关事务局",
        "责任单位:各区人民政府",
        "2. 加强再生水利用。新建再生水管网20公里，再生水利用率达到25%以上。",
        "牵头单位:市城市节水办",
        "责任单位:市住房建设局、市财政局",
        "3. 开展节水宣传进社区活动。全年开展节水宣传活动不少于50场。",
        "牵头单位:市城市节水办",
        "责任单位:市教育局",
    ]:
        doc.add_paragraph(line)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def app(seed_index: Path, embedder, tmp_path_factory: pytest.TempPathFactory) -> PolicyApp:
    """The app's state over the session's seed index (read-only tests)."""
    return PolicyApp(open_assistant(seed_index, embedder), tmp_path_factory.mktemp("unused-corpus"), seed_index)


@pytest.fixture
def writable_app(seed_index: Path, embedder, tmp_path: Path) -> PolicyApp:
    """The app over a copy of the seed corpus and index, for tests that add notices."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copytree(seed_index, index)
    return PolicyApp(open_assistant(index, embedder), corpus, index)


@pytest.fixture(scope="module")
def evil_notice(tmp_path_factory: pytest.TempPathFactory):
    from assistant.parse import parse_notice

    path = tmp_path_factory.mktemp("evil") / "evil.txt"
    path.write_text(EVIL, encoding="utf-8")
    return parse_notice(path)


# ------------------------------------------------------------------------------------ chat
def test_water_question_names_both_bureaus_and_cites_tasks_13_and_54(app: PolicyApp) -> None:
    history, cards, box = app.respond(WATER, [], [], None)
    assert box == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    reply = history[-1]["content"]
    assert "市水务局" in reply and "市生态环境局" in reply
    assert 'data-item="13"' in cards and 'data-item="54"' in cards
    assert "第13项" in cards and "牵头单位</span>市水务局" in cards


def test_history_is_kept_across_turns(app: PolicyApp) -> None:
    history, _, _ = app.respond("第13项由谁牵头？", [], [], None)
    history, _, _ = app.respond("市林草局牵头哪些工作？", history, [], None)
    assert len(history) == 4
    assert "市水务局" in history[1]["content"]


def test_citation_card_shows_notice_item_path_units_and_highlighted_quote(app: PolicyApp) -> None:
    answer = app.ask("第13项由谁牵头？")
    cite = answer.citations[0]
    card = render_citations(answer)
    assert "东政办〔2019〕138号" in card and "（2019年）" in card
    assert "第13项" in card and "持续完善水利基础设施建设" in card
    assert "一、重点任务及责任分工 › (二)筑牢生态安全屏障" in card
    assert "市水务局" in card and "市发展改革委" in card
    assert card.count("<mark>") == 1 and cite.point.text[:10] in card


def test_highlight_finds_the_quote_across_line_breaks() -> None:
    out = highlight("第一句。\n第二\n句<b>。第三句。", "第二句<b>。")
    assert out == "第一句。\n<mark>第二\n句&lt;b&gt;。</mark>第三句。"
    assert highlight("正文<x>", "不在正文里") == "正文&lt;x&gt;"


def test_out_of_scope_question_says_so_plainly(app: PolicyApp) -> None:
    history, cards, _ = app.respond("火星探测计划是什么？", [], [], None)
    assert "没有涉及" in history[-1]["content"]
    assert "并非答案" in cards


def test_every_example_question_gets_an_answer(app: PolicyApp) -> None:
    for question in EXAMPLES:
        answer = app.ask(question)
        assert answer.found, (question, answer.answer)


def test_filters_confine_the_answer(app: PolicyApp) -> None:
    seed_file = app.assistant.notices[0].file
    answer = app.ask("哪些工作涉及水？", [seed_file], "市水务局")
    assert answer.found and answer.citations
    assert all("市水务局" in c.point.roles for c in answer.citations)
    other = app.ask("哪些工作涉及水？", ["no-such-notice.txt"], None)
    assert not other.found


def test_empty_question_changes_nothing(app: PolicyApp) -> None:
    history = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]
    assert app.respond("   ", history, [], None)[0] == history


# ------------------------------------------------------------------------------------ browse
def test_notice_table_has_the_59_numbered_tasks(app: PolicyApp) -> None:
    notice = app.assistant.notices[0]
    rows = notice_table(notice)
    numbered = [r for r in rows if r[0].isdigit()]
    assert [int(r[0]) for r in numbered] == list(range(1, 60))
    assert len(notice.tasks) == 59
    row13 = next(r for r in rows if r[0] == "13")
    assert row13[1] == "持续完善水利基础设施建设" and row13[2] == "市水务局"
    view = app.browse_notice(notice.file)
    assert '<b>59</b> 项编号任务' in view and "东政办〔2019〕138号" in view
    assert view.count('class="point-row"') == len(notice.items)


def test_department_view_lists_the_six_lead_tasks_of_the_forestry_bureau(app: PolicyApp) -> None:
    view, csv_path, xlsx_path = app.department_view("市林草局")
    assert '牵头单位 <b>6</b> 项' in view
    assert view.count('data-role="牵头" data-item=') == 6
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    lead = [r for r in rows[1:] if r[0] == "牵头单位"]
    assert sorted(int(r[3]) for r in lead) == [8, 10, 11, 12, 29, 57]
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "角色" and len(values) == len(rows)


def test_department_picker_labels_and_unknown_names(app: PolicyApp) -> None:
    labels = [label for _, label in app.unit_choices()]
    assert "市林草局" in labels
    entry = app.department("林草局")
    assert entry is not None and entry.name == "市林草局"
    assert len(department_rows(entry, app.assistant.directory)) == entry.count()
    view, csv_path, _ = app.department_view("不存在的单位")
    assert csv_path is None and "没有找到" in view


# ------------------------------------------------------------------------------------ escaping
def test_document_text_is_escaped_everywhere(evil_notice) -> None:
    point = evil_notice.items[0]
    cite = Citation(doc=evil_notice.doc, point=point, quote=point.text.split("。")[0], score=1.0)
    answer = Answer("q", f"第1项 **{point.title}** [1]", True, [cite])
    for out in (render_citations(answer), notice_html(evil_notice), review_html(evil_notice), answer_markdown(answer)):
        assert "<script" not in out and "<img" not in out and "<b>加粗" not in out
    for out in (render_citations(answer), notice_html(evil_notice), answer_markdown(answer)):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in render_citations(answer)
    assert "**" in answer_markdown(answer)  # Markdown itself still renders


# ------------------------------------------------------------------------------------ add a notice
def test_add_a_docx_notice_updates_browse_and_chat(writable_app: PolicyApp, tmp_path: Path) -> None:
    upload = make_docx(tmp_path / "jieshui.docx")
    review = writable_app.preview_notice(upload)
    assert review.ok and "试政办〔2024〕12号" in review.html and "<b>3</b> 项编号任务" in review.html
    assert "市城市节水办" in review.html
    result = writable_app.add_notice(upload)
    assert result.ok, result.html
    assert (writable_app.corpus_dir / "jieshui.docx").is_file()
    files = dict((v, k) for k, v in writable_app.notice_choices())
    assert "jieshui.docx" in files and "试政办〔2024〕12号" in files["jieshui.docx"]
    assert writable_app.browse_notice("jieshui.docx").count('class="point-row"') == 3
    assert len(writable_app.assistant.notices) == 2
    answer = writable_app.ask("再生水利用率要达到多少？")
    assert answer.found and answer.citations[0].doc.number == "试政办〔2024〕12号"
    again = writable_app.add_notice(upload)
    assert "已在语料库中" in again.html and len(list(writable_app.corpus_dir.iterdir())) == 2


def test_an_unreadable_upload_changes_nothing(writable_app: PolicyApp, tmp_path: Path) -> None:
    manifest = (writable_app.index_dir / "manifest.json").read_bytes()
    for name, data in [("broken.pdf", b"%PDF-1.4 not really"), ("notes.xyz", b"hello"), ("empty.txt", b"")]:
        bad = tmp_path / name
        bad.write_bytes(data)
        assert not writable_app.preview_notice(bad).ok
        result = writable_app.add_notice(bad)
        assert not result.ok and "无法读取" in result.html and "没有改动" in result.html
    assert sorted(p.name for p in writable_app.corpus_dir.iterdir()) == [SEED.name]
    assert (writable_app.index_dir / "manifest.json").read_bytes() == manifest


# ------------------------------------------------------------------------------------ wiring
def test_build_app_wires_the_four_screens(app: PolicyApp) -> None:
    demo = build_app(app.assistant, app.corpus_dir, app.index_dir)
    assert isinstance(demo, gr.Blocks)
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert {"问答", "浏览通知", "部门职责", "添加通知"} <= labels
    api = {d.api_name for d in demo.fns.values()}
    assert {"respond", "ask"} <= api


def test_app_py_passes_its_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    import importlib.util

    spec = importlib.util.spec_from_file_location("app_main", ROOT / "app.py")
    app_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app_module)
    seen = {}
    monkeypatch.setattr("assistant.ui.serve", lambda corpus, index, **kw: seen.update(corpus=corpus, index=index, **kw))
    assert app_module.main(["--port", "8123", "--corpus", "c", "--index", "i"]) == 0
    assert seen == {"corpus": "c", "index": "i", "host": "127.0.0.1", "port": 8123, "model": None}
