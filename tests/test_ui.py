"""The app's callbacks, called directly on a real index over the seed notice (no browser).

The 年度对比 tests use a second index: the seed and its constructed 2020 edition from test_compare.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from collections import Counter
from pathlib import Path

import gradio as gr
import pytest
from conftest import ROOT, SEED
from test_compare import second_edition

from assistant.compare import Comparison, Difference, Pair, Single
from assistant.records import Answer, Citation
from assistant.render import (
    COMPARE_HEADERS,
    answer_markdown,
    answer_text,
    compare_summary_html,
    compare_tables_html,
    department_rows,
    highlight,
    mark_values,
    notice_html,
    notice_table,
    plain_text,
    render_citations,
    review_html,
)
from assistant.ui import ALL_NOTICES, EXAMPLES, PolicyApp, build_app, open_assistant, user_questions

WATER = "哪些工作涉及水？分别由谁牵头？"
#: The constructed second edition's file name (东政办〔2020〕96号, made from the seed by test_compare.second_edition).
EDITION_2020 = "haidong-2020-constructed.txt"
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
def editions_app(embedder, tmp_path_factory: pytest.TempPathFactory) -> PolicyApp:
    """The app over the seed and its constructed 2020 edition, indexed once with the session's model."""
    from assistant.index import build_index

    root = tmp_path_factory.mktemp("editions")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    (corpus / EDITION_2020).write_text(second_edition(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    build_index(corpus, index, embedder, progress=False)
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


def _copy_text(cards: str) -> str:
    """The plain text the card panel's 复制答案 button copies (the hidden textarea, unescaped as a browser reads it)."""
    m = re.search(r'<textarea class="copy-text" hidden readonly>(.*?)</textarea>', cards, re.S)
    assert m, cards[:300]
    return html.unescape(m.group(1))


def _items(cards: str) -> list[str]:
    """The 第N项 labels of the cited cards, in order (related cards left out)."""
    return re.findall(r'<div class="cite-card" id="cite-\d+" data-item="([^"]*)"', cards)


def test_a_follow_up_in_the_chat_is_read_against_earlier_turns(app: PolicyApp) -> None:
    history, cards, _ = app.respond("第37项是什么内容", [], [], None)
    assert _items(cards) == ["37"]
    history, cards, _ = app.respond("那它的责任单位呢？", history, [], None)
    reply = history[-1]["content"]
    assert "第37项" in reply and "各县区人民政府" in reply and _items(cards) == ["37"]
    history, cards, _ = app.respond("市林草局牵头哪些任务？", history, [], None)
    assert sorted(map(int, _items(cards))) == [8, 10, 11, 12, 29, 57]
    history, cards, _ = app.respond("那市水务局呢？", history, [], None)
    assert "市水务局" in history[-1]["content"] and len(history) == 8
    assert {"13", "54"} <= set(_items(cards)) and "市林草局" not in history[-1]["content"]
    assert all("市水务局" in c for c in re.findall(r'<div class="cite-units">(.*?)</div>', cards))
    # The history as the API and a reloaded page send it (text parts), and with a question that needs escaping.
    parts = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in history[:2]]
    again, cards, _ = app.respond("那它的责任单位呢？", parts, [], None)
    assert "各县区人民政府" in again[-1]["content"] and _items(cards) == ["37"]
    assert user_questions([{"role": "user", "content": html.escape("第1项<b>呢", quote=False)}]) == ["第1项<b>呢"]


def test_a_cleared_chat_starts_a_new_conversation(app: PolicyApp) -> None:
    history, _, _ = app.respond("市林草局牵头哪些任务？", [], [], None)
    followed, _, _ = app.respond("那市水务局呢？", history, [], None)
    fresh, cards, _ = app.respond("那市水务局呢？", [], [], None)  # 清空对话 sends an empty history
    assert len(fresh) == 2
    assert fresh[-1]["content"] != followed[-1]["content"]  # not read against the forestry question


def test_an_earlier_turn_shows_its_own_cards_again(app: PolicyApp) -> None:
    history, _, _ = app.respond("第37项是什么内容", [], [], None)
    history, latest, _ = app.respond("市林草局牵头哪些任务？", history, [], None)
    first = app.turn_cards(history, 1)  # the first answer, selected in the chat
    assert "问：第37项是什么内容" in first and _items(first) == ["37"] and "引用 1 项" in first
    assert app.turn_cards(history, 3) == latest
    assert "提问后" in app.turn_cards([], 0)


def test_the_card_panel_counts_what_the_answer_cites_and_sets_related_hits_apart(app: PolicyApp) -> None:
    notice = app.assistant.notices[0]
    points = {p.item: p for p in notice.items}

    def cite(item: str) -> Citation:
        return Citation(notice.doc, points[item], points[item].title, 1.0, notice.file)

    answer = Answer("q", "第13项 [1]，第54项 [2]", True, [cite("13"), cite("54")], related=[cite("54"), cite("26")])
    cards = render_citations(answer)
    assert '<span class="cards-title" id="cite-count">引用 2 项</span>' in cards
    cited, related = cards.split('<div class="related-block">')
    assert _items(cited) == ["13", "54"] and "[1]" in cited and "[2]" in cited
    assert '相关但未引用的工作要点（1）' in related and 'class="cite-card related" id="related-1" data-item="26"' in related
    assert "[3]" not in related and 'data-item="54"' not in related  # a cited point is not repeated as related
    refused = app.respond("火星探测计划是什么？", [], [], None)[1]
    assert "没有直接回答" in refused and "并非答案" in refused and "相关但未引用的工作要点" in refused
    assert "引用 " not in refused


def test_each_card_links_to_its_row_in_browse(app: PolicyApp) -> None:
    _, cards, _ = app.respond("第13项由谁牵头？", [], [], None)
    notice = app.assistant.notices[0]
    row = next(i for i, p in enumerate(notice.items) if p.item == "13")
    link = f'<a class="cite-link" href="#point-{row}" data-file="{notice.file}" data-row="{row}">'
    assert link in cards
    view = app.browse_notice(notice.file, row)
    assert view.count('class="point-row target"') == 1
    assert f'<tr class="point-row target" id="point-{row}" data-item="13"><td class="num">13</td><td><details open>' in view
    assert len(set(re.findall(r'id="(point-\d+)"', view))) == len(notice.items)  # one anchor per row
    assert 'data-jump="' in view and view != app.browse_notice(notice.file, row)  # a second jump scrolls again
    assert 'class="point-row target"' not in app.browse_notice(notice.file, 10_000)
    department = app.department_view("市水务局")[0]
    assert f'href="#point-{row}" data-file="{notice.file}" data-row="{row}"' in department  # its rows link too


def test_copying_an_answer_gives_plain_text_with_its_citations(app: PolicyApp) -> None:
    answer = app.ask(WATER)
    text = answer_text(answer)
    answer_part, sources = text.split("\n\n出处：\n")
    assert "**" not in text and "<" not in text and "&" not in text
    assert "市水务局" in answer_part and "[1]" in answer_part
    lines = sources.split("\n")
    assert len([line for line in lines if line.startswith("[")]) == len(answer.citations)
    assert lines[0].startswith("[1] 东政办〔2019〕138号（2019年）《") and " 第8项 " in lines[0]
    i13 = next(i for i, line in enumerate(lines) if "第13项 持续完善水利基础设施建设" in line)
    assert lines[i13 + 1].strip().startswith("牵头单位：市水务局；责任单位：")
    assert lines[i13 + 2].strip().startswith("原文：“")
    history, cards, _ = app.respond(WATER, [], [], None)
    assert _copy_text(cards) == text  # what the button copies


def test_the_copied_text_keeps_document_text_as_written(evil_notice) -> None:
    point = evil_notice.items[0]
    answer = Answer("q", f"第1项 **{point.title}** [1]", True,
                    [Citation(evil_notice.doc, point, point.text.split("。")[0], 1.0, "evil.txt")])
    text = answer_text(answer)
    assert "<script>alert(1)</script>" in text and "**" not in text and "牵头单位：市网信办<b>加粗" in text
    cards = render_citations(answer)
    assert "<script" not in cards and "<b>加粗" not in cards and _copy_text(cards) == text
    assert plain_text("**6** 项：\n- 于____前 [2019] [1]") == "6 项：\n- 于____前 [2019] [1]"


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


def test_department_view_confined_to_a_notice_or_a_year(editions_app: PolicyApp) -> None:
    scopes = dict((v, k) for k, v in editions_app.department_scopes())
    assert scopes[ALL_NOTICES] == "全部通知" and {"year:2019", "year:2020", f"file:{SEED.name}", f"file:{EDITION_2020}"} <= set(scopes)

    def shown(view: str) -> list[str]:
        return re.findall(r'data-role="牵头" data-item="([^"]*)"', view)

    def printed(file: str) -> list[str]:
        return [p.item for p in editions_app.notice(file).items if "市林草局" in p.lead]

    everything = shown(editions_app.department_view("市林草局")[0])
    for scope, file in [(f"file:{EDITION_2020}", EDITION_2020), ("year:2019", SEED.name), (f"file:{SEED.name}", SEED.name)]:
        view, csv_path, _ = editions_app.department_view("市林草局", scope)
        assert sorted(shown(view)) == sorted(printed(file)), scope
        assert 'id="department-scope">范围：' in view and "涉及通知 <b>1</b> 份" in view
        with open(csv_path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))[1:]
        assert {r[2] for r in rows} == {editions_app.notice(file).doc.number}
    assert "57" in printed(SEED.name) and "57" not in shown(editions_app.department_view("市林草局", "year:2020")[0])
    assert sorted(everything) == sorted(printed(SEED.name) + printed(EDITION_2020))
    none = editions_app.department_view("市林草局", "year:2018")[0]
    assert shown(none) == [] and "市林草局在2018年的通知中没有承担工作" in none
    assert shown(editions_app.department_view("市林草局", "bogus")[0]) == everything  # not a choice: every notice


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


# ------------------------------------------------------------------------------------ compare two years
def test_compare_view_counts_and_marks_the_changed_figures(editions_app: PolicyApp) -> None:
    assert editions_app.default_pair() == (SEED.name, EDITION_2020)
    view = editions_app.compare_view(*editions_app.default_pair())
    for kind, name, n in [("matched", "对应", 61), ("changed", "有变化", 5), ("kept", "未变", 56), ("new", "新增", 2),
                          ("dropped", "删去", 3)]:
        assert f'data-kind="{kind}">{name} <b>{n}</b> 项' in view.summary
    assert "东政办〔2019〕138号（2019年）" in view.summary and "东政办〔2020〕96号（2020年）" in view.summary
    tables = view.tables
    changed, rest = tables.split('id="compare-new"')
    new, dropped = rest.split('id="compare-dropped"')
    assert changed.count('data-kind="changed"') == 5
    row37 = changed[changed.index('data-a="37" data-b="37"'):].split("</tr>")[0]
    assert '<span class="old"><mark>87%</mark></span> → <span class="new"><mark>90%</mark></span>' in row37
    assert "残膜回收率达到<mark>87%</mark>。" in row37 and "残膜回收率达到<mark>90%</mark>。" in row37
    assert "用水总量控制在<mark>7亿立方米</mark>" in changed and "用水总量控制在<mark>6.8亿立方米</mark>" in changed
    row57 = changed[changed.index('data-a="57"'):].split("</tr>")[0]
    assert "牵头单位：<mark>市林草局</mark>" in row57 and "牵头单位：<mark>市自然资源规划局</mark>" in row57
    assert 'data-a="14" data-b="13"' in changed and "第14项" in changed and "第13项" in changed  # renumbered
    assert new.count('data-kind="new"') == 2
    assert "推进新能源项目建设" in new and "开展城市噪声污染防治" in new
    titles = {p.item: p.title for p in editions_app.notice(SEED.name).items}
    assert dropped.count('data-kind="dropped"') == 3
    assert all(titles[n] in dropped for n in ("12", "41", "58"))
    assert dropped.count('data-kind="kept"') == 56

    with open(view.csv, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COMPARE_HEADERS
    assert Counter(r[0] for r in rows[1:]) == {"有变化": 5, "新增": 2, "删去": 3, "未变": 56}
    r37 = next(r for r in rows if r[0] == "有变化" and r[1] == "37")
    assert r37[2:7] == ["37", "推进农膜白色污染防治和秸秆综合利用", "目标", "87%", "90%"]
    assert r37[7].endswith("残膜回收率达到87%。") and r37[8].endswith("残膜回收率达到90%。") and float(r37[9]) > 0.9
    assert sorted(r[2] for r in rows if r[0] == "新增") == ["30", "41"]
    from openpyxl import load_workbook

    sheet = list(load_workbook(view.xlsx).active.iter_rows(values_only=True))
    assert list(sheet[0]) == COMPARE_HEADERS and len(sheet) == len(rows)


def test_compare_view_errors_say_what_to_pick(editions_app: PolicyApp, app: PolicyApp) -> None:
    same = editions_app.compare_view(SEED.name, SEED.name)
    assert "同一份通知" in same.summary and same.tables == "" and same.csv is None and same.xlsx is None
    assert "请选择两份通知" in editions_app.compare_view(SEED.name, None).summary
    missing = editions_app.compare_view("gone.txt", EDITION_2020)
    assert "无法比较" in missing.summary and "东政办〔2019〕138号" in missing.summary and missing.csv is None
    backwards = editions_app.compare_view(EDITION_2020, SEED.name)  # later first: still compared, with a note
    assert "通常把较早的一份选作 A" in backwards.summary and 'data-kind="new">新增 <b>3</b> 项' in backwards.summary
    assert app.default_pair() is None  # the seed alone
    alone = app.compare_view(SEED.name, None)
    assert "添加通知" in alone.summary and alone.csv is None
    assert "添加通知" in app.compare_hint()


def test_compare_view_escapes_document_text(evil_notice) -> None:
    point = evil_notice.items[0]
    evil = "<script>alert(1)</script>"
    diffs = [
        Difference("targets", "<i>5%</i>", "6%", f"达到<i>5%</i>。{evil}", "达到6%。"),
        Difference("lead", "市网信办<b>加粗</b>", "市公安局", "（牵头单位：市网信办<b>加粗</b>）", "牵头单位：市公安局"),
        Difference("title", point.title, "<img src=x onerror=alert(1)>", point.title, "<img src=x onerror=alert(1)>"),
    ]
    c = Comparison(evil_notice.doc, evil_notice.doc, changed=[Pair(point, point, 0.9, "", "1", "1", diffs)],
                   new=[Single("2", point)], dropped=[Single("1", point)])
    out = compare_summary_html(c) + compare_tables_html(c)
    assert "<script" not in out and "<img" not in out and "<i>" not in out and "<b>加粗" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "达到<mark>&lt;i&gt;5%&lt;/i&gt;</mark>。" in out
    assert "市网信办&lt;b&gt;加粗&lt;/b&gt;" in out and "<mark>市公安局</mark>" in out


def test_mark_values_never_splits_an_entity_or_a_number() -> None:
    assert mark_values("x<lt>", ["lt"]) == "x&lt;<mark>lt</mark>&gt;"
    assert mark_values("比重达187%，另有87%。", ["87%"]) == "比重达187%，另有<mark>87%</mark>。"
    assert mark_values("增长2.5%和5%", ["5%"]) == "增长2.5%和<mark>5%</mark>"
    assert mark_values("a & b", []) == "a &amp; b"


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


def test_every_view_follows_an_added_notice(writable_app: PolicyApp, tmp_path: Path) -> None:
    before = writable_app.index_views(SEED.name, "市林草局", ALL_NOTICES)
    assert "**1** 份通知" in before.summary and before.pair == (None, None) and writable_app.generation == 0
    assert writable_app.add_notice(make_docx(tmp_path / "jieshui.docx")).ok
    assert writable_app.generation == 1  # an open page sees it changed and refreshes (build_app's timer)
    views = writable_app.index_views(SEED.name, "市林草局", "year:2019", added="jieshui.docx")
    assert "**2** 份通知" in views.summary
    assert "jieshui.docx" in [f for _, f in views.notices]  # 浏览通知, the chat's filter, 年度对比
    assert views.browse == "jieshui.docx" and views.browse_html.count('class="point-row"') == 3
    assert "市城市节水办" in [label for _, label in views.units]  # 部门职责 and the chat's unit filter
    assert {"year:2024", "file:jieshui.docx"} <= {v for _, v in views.scopes} and views.scope == "year:2019"
    assert '<h3 id="department-name">市林草局</h3>' in views.department[0] and views.department[1]
    water = writable_app.department_view("市城市节水办", "file:jieshui.docx")[0]
    assert water.count('data-role="牵头"') == 3  # the box and two rows
    kept = writable_app.index_views("jieshui.docx", None, "no-such-scope")
    assert kept.browse == "jieshui.docx" and kept.scope == ALL_NOTICES and kept.department[1] is None
    answer = writable_app.ask("再生水利用率要达到多少？", ["jieshui.docx"], None)
    assert answer.found and answer.citations[0].doc.number == "试政办〔2024〕12号"


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


def test_an_upload_above_the_limit_is_refused_before_anything_is_written(writable_app: PolicyApp, tmp_path: Path) -> None:
    manifest = (writable_app.index_dir / "manifest.json").read_bytes()
    big = tmp_path / "big.txt"
    big.write_bytes(SEED.read_bytes() * (6 * 2**20 // SEED.stat().st_size + 1))  # over 6 MB of a real notice
    preview = writable_app.preview_notice(big)
    assert not preview.ok and "big.txt 有 6.0 MB，超过单份通知 5 MB 的上限，没有写入任何内容" in preview.html
    assert "--max-file-mb" in preview.html
    result = writable_app.add_notice(big)
    assert not result.ok and "超过单份通知 5 MB 的上限，没有写入任何内容" in result.html
    assert sorted(p.name for p in writable_app.corpus_dir.iterdir()) == [SEED.name]
    assert (writable_app.index_dir / "manifest.json").read_bytes() == manifest


def test_an_upload_of_an_indexed_notice_names_it(writable_app: PolicyApp, tmp_path: Path) -> None:
    manifest = (writable_app.index_dir / "manifest.json").read_bytes()
    renamed = tmp_path / "海东工作要点-副本.txt"
    shutil.copy(SEED, renamed)
    gbk = tmp_path / "haidong-gbk.txt"  # the same text saved in another encoding
    gbk.write_bytes(SEED.read_text(encoding="utf-8").replace("\xa0", " ").encode("gbk"))
    for upload in (renamed, gbk):
        preview = writable_app.preview_notice(upload)
        assert not preview.ok
        assert f"{upload.name} 已在语料库中：与已索引的通知《" in preview.html
        assert f"（文件 {SEED.name}，东政办〔2019〕138号）内容相同，不会重复加入" in preview.html
        assert 'id="review-tasks"' in preview.html  # what it holds is still shown
        result = writable_app.add_notice(upload)
        assert not result.ok and "不会重复加入" in result.html and "没有改动" in result.html
    assert sorted(p.name for p in writable_app.corpus_dir.iterdir()) == [SEED.name]
    assert (writable_app.index_dir / "manifest.json").read_bytes() == manifest


def test_the_review_lists_each_task_with_its_number_title_and_lead(app: PolicyApp, tmp_path: Path) -> None:
    review = app.preview_notice(make_docx(tmp_path / "jieshui.docx"))
    assert review.ok
    tasks = review.html.split('id="review-tasks"')[1].split("</table>")[0]
    assert tasks.count("<tr>") == 4  # the header and the three tasks
    assert '<td class="num">第2项</td><td>加强再生水利用</td><td>市城市节水办</td>' in tasks
    assert '<td class="num">第1项</td><td>推进公共机构节水改造</td><td>市机关事务局</td>' in tasks
    assert "<th>年份</th><td>2024</td>" in review.html and "<th>地区</th>" in review.html


def test_an_upload_with_a_broken_byte_is_added_with_a_warning(writable_app: PolicyApp, tmp_path: Path) -> None:
    upload = tmp_path / "jieshui.txt"
    from docx import Document

    text = "\n".join(p.text for p in Document(str(make_docx(tmp_path / "j.docx"))).paragraphs).encode()
    at = text.index("再生水".encode())
    upload.write_bytes(text[:at] + b"\xff" + text[at + 1 :])
    preview = writable_app.preview_notice(upload)
    assert preview.ok and "注意：3 undecodable bytes replaced" in preview.html
    result = writable_app.add_notice(upload)
    assert result.ok and "注意：3 undecodable bytes replaced" in result.html
    assert (writable_app.corpus_dir / "jieshui.txt").read_bytes() == upload.read_bytes()  # kept as uploaded


# ------------------------------------------------------------------------------------ wiring
def test_build_app_wires_the_five_screens(app: PolicyApp) -> None:
    demo = build_app(app.assistant, app.corpus_dir, app.index_dir)
    assert isinstance(demo, gr.Blocks)
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert {"问答", "浏览通知", "部门职责", "年度对比", "添加通知"} <= labels
    api = {d.api_name for d in demo.fns.values()}
    assert {"respond", "ask"} <= api
    chatbot = next(b for b in demo.blocks.values() if isinstance(b, gr.Chatbot))
    assert list(chatbot.buttons) == []  # its own copy would give Markdown without 出处; the panel's button copies
    assert any(isinstance(b, gr.Timer) for b in demo.blocks.values())  # pages left open follow the index


def test_app_py_passes_its_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("ASSISTANT_TOKEN", raising=False)
    import importlib.util

    spec = importlib.util.spec_from_file_location("app_main", ROOT / "app.py")
    app_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app_module)
    seen = {}
    monkeypatch.setattr("assistant.ui.serve", lambda corpus, index, **kw: seen.update(corpus=corpus, index=index, **kw))
    assert app_module.main(["--port", "8123", "--corpus", "c", "--index", "i"]) == 0
    assert seen == {"corpus": "c", "index": "i", "host": "127.0.0.1", "port": 8123, "model": None, "max_bytes": 5 * 2**20,
                    "token": None, "cors": []}
    assert app_module.main(["--max-file-mb", "0.5"]) == 0 and seen["max_bytes"] == 2**19
