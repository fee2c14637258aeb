"""Comparing notices across years, on real text with the real model.

Only the 2019 edition of the Haidong 工作要点 exists, so the 2020 edition here is a CONSTRUCTED
FIXTURE: made in code from the real 2019 text by the edits listed below (never written to corpus/).
Its expected comparison follows from those edits alone. The real pairs are State Council notices of
one family, aligned by hand first (see each test).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED, STATE_COUNCIL

from assistant.compare import THRESHOLD, Comparison, compare_in_index, compare_notices, differences
from assistant.errors import AssistantError
from assistant.index import embedding_text
from assistant.parse import parse_notice
from assistant.records import Notice, Target, WorkPoint

# The edits that turn the 2019 edition into the constructed 2020 one (task numbers of 2019).
DROP = {"12", "41", "58"}  # 湟水规模化林场 (its topic stays in task 8), 城市双修, 人才培育
EDITS = {
    "14": [("加强水生态系统修复与保护", "加强水生态系统保护与修复")],  # title lightly reworded
    "18": [("牵头单位:海东市工业园区管委会", "牵头单位:海东工业园区管委会")],  # same unit, other name
    "26": [("用水总量控制在7亿立方米", "用水总量控制在6.8亿立方米")],
    "33": [("积极开展历史遗留", "稳步推进历史遗留")],  # body lightly reworded: not a difference
    "37": [("残膜回收率达到87%", "残膜回收率达到90%")],
    "47": [("绿色建筑比重达25%", "绿色建筑比重达30%")],
    "57": [("牵头单位:市林草局", "牵头单位:市自然资源规划局")],
}
ADD_AFTER = {  # two new tasks: one shares its topic with kept task 23, one takes dropped task 41's place
    "30": "推进新能源项目建设。加快推进乐都、民和等县区光伏扶贫电站并网运行,积极争取风电、光伏发电项目纳入"
    "全省年度建设计划,全市新增新能源装机容量达到20万千瓦以上。\n\n牵头单位:市发展改革委\n\n"
    "责任单位:各县区人民政府,市扶贫开发局、市自然资源规划局\n",
    "40": "开展城市噪声污染防治。完成中心城区声环境功能区划分调整,加强建筑施工、交通运输和社会生活噪声监管,"
    "中心城区声环境功能区夜间达标率达到85%以上。\n\n牵头单位:市生态环境局\n\n"
    "责任单位:各县区人民政府,市公安局、市住房建设局、市交通运输局\n",
}
NEW_LABELS = {"30", "41"}  # the added tasks' numbers in 2020
_TASK = re.compile(r"^(\d+)\.\s")
_HEADING = re.compile(r"^([（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")


def second_edition(text: str) -> str:
    """The constructed 2020 edition: drop, edit and add tasks, renumber them all, roll 2019 over to 2020."""
    blocks: list[tuple[str | None, list[str]]] = []
    current = None
    for line in text.split("\n"):
        if m := _TASK.match(line):
            current = m.group(1)
        elif _HEADING.match(line.strip()):
            current = None
        if blocks and blocks[-1][0] == current:
            blocks[-1][1].append(line)
        else:
            blocks.append((current, [line]))
    out, number = [], 0
    for item, lines in blocks:
        if item in DROP:
            continue
        body = "\n".join(lines)
        for old, new in EDITS.get(item, []):
            assert old in body, (item, old)
            body = body.replace(old, new)
        for block in [body, f"0. {ADD_AFTER[item]}"] if item in ADD_AFTER else [body]:
            if item is not None:
                number += 1
                block = _TASK.sub(f"{number}. ", block, count=1)
            out.append(block)
    return "\n".join(out).replace("2019", "2020").replace("138号", "96号")


def true_pairs(a: Notice, b: Notice) -> set[tuple[str, str]]:
    """What the edits imply: every task not dropped is the same task as the next one not added."""
    kept_a = [p.item for p in a.items if p.item not in DROP]
    kept_b = [p.item for p in b.items if p.item not in NEW_LABELS]
    assert len(kept_a) == len(kept_b)
    return set(zip(kept_a, kept_b, strict=True))


def _embed(embedder, notice: Notice) -> np.ndarray:
    return embedder.encode_documents([embedding_text(notice.doc, p) for p in notice.items])


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory, embedder):
    path = tmp_path_factory.mktemp("editions") / "haidong-2020-constructed.txt"
    path.write_text(second_edition(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    a, b = parse_notice(SEED), parse_notice(path)
    return a, b, _embed(embedder, a), _embed(embedder, b), path


@pytest.fixture(scope="module")
def constructed(editions) -> Comparison:
    a, b, va, vb, _ = editions
    return compare_notices(a, b, va, vb)


def _pairs(c: Comparison) -> set[tuple[str, str]]:
    return {(p.label_a, p.label_b) for p in c.kept + c.changed}


def test_constructed_edition_finds_exactly_the_edits(editions, constructed):
    a, b, *_ = editions
    assert [p.item for p in b.items if p.item.isdigit()] == [str(i) for i in range(1, 59)]
    c = constructed
    assert _pairs(c) == true_pairs(a, b)
    assert [s.label for s in c.new] == ["30", "41"]
    assert [s.label for s in c.dropped] == ["12", "41", "58"]
    changed = {(p.label_a, p.label_b): [(d.field, d.old, d.new) for d in p.differences] for p in c.changed}
    assert changed == {
        ("14", "13"): [("title", "加强水生态系统修复与保护", "加强水生态系统保护与修复")],
        ("26", "25"): [("targets", "7亿立方米", "6.8亿立方米")],
        ("37", "37"): [("targets", "87%", "90%")],
        ("47", "47"): [("targets", "25%", "30%")],
        ("57", "57"): [("lead", "市林草局", "市自然资源规划局")],
    }
    kept = {(p.label_a, p.label_b) for p in c.kept}
    assert {("18", "17"), ("33", "33"), ("59", "58"), ("导语", "导语"), ("（一）", "（一）")} <= kept
    d47 = c.changed[[p.label_a for p in c.changed].index("47")].differences[0]
    assert d47.quote_a.endswith("绿色建筑比重达25%。") and d47.quote_b.endswith("绿色建筑比重达30%。")
    lead = c.changed[-1].differences[0]
    assert (lead.quote_a, lead.quote_b) == ("牵头单位：市林草局", "牵头单位：市自然资源规划局")


def test_alignment_precision_recall_and_threshold_sweep(editions):
    """The threshold sits inside the band where precision and recall are both 1, with room on each side."""
    a, b, va, vb, _ = editions
    truth = true_pairs(a, b)
    every = compare_notices(a, b, va, vb, threshold=0.0)  # the full assignment, each pair with its score
    scored = [(p.label_a, p.label_b, p.similarity) for p in every.kept + every.changed]
    print("\nthreshold  precision  recall")
    for t in (0.2, 0.3, 0.4, THRESHOLD, 0.6, 0.7, 0.8, 0.9, 0.95):
        found = {(x, y) for x, y, s in scored if s >= t}
        precision, recall = len(found & truth) / max(len(found), 1), len(found & truth) / len(truth)
        print(f"{t:9.2f}  {precision:9.3f}  {recall:6.3f}")
        if t == THRESHOLD:
            assert precision == recall == 1.0
    lowest_true = min(s for x, y, s in scored if (x, y) in truth)
    highest_wrong = max(s for x, y, s in scored if (x, y) not in truth)
    print(f"lowest true pair {lowest_true:.3f}, highest wrong pair {highest_wrong:.3f}")
    assert lowest_true > THRESHOLD + 0.3 and highest_wrong < THRESHOLD - 0.1


def test_heavier_rewording_is_still_the_same_task(editions, embedder, tmp_path):
    """Beyond the fixture: every title reworded where a synonym fits, every body cut to its last sentence."""
    a, _, va, _, path = editions
    synonyms = [
        ("加快", "加速"),
        ("推进", "推动"),
        ("加强", "强化"),
        ("全面", "全力"),
        ("持续", "继续"),
        ("深入", "扎实"),
    ]

    def rewrite(m: re.Match[str]) -> str:
        title = m.group(2)
        for old, new in synonyms:
            if old in title:
                title = title.replace(old, new, 1)
                break
        sentences = re.findall(r"[^。]+。?", m.group(3)) or [""]
        return f"{m.group(1)}. {title}。{sentences[-1]}"

    text = re.sub(r"^(\d+)\. (.*?)。(.*)$", rewrite, path.read_text(encoding="utf-8"), flags=re.M)
    (tmp_path / "harsh.txt").write_text(text, encoding="utf-8")
    b = parse_notice(tmp_path / "harsh.txt")
    c = compare_notices(a, b, va, _embed(embedder, b))
    truth = true_pairs(a, b)
    assert _pairs(c) == truth, _pairs(c) ^ truth
    print(f"\nlowest true pair after heavy rewording: {min(p.similarity for p in c.kept + c.changed):.3f}")


def test_differences_ignore_order_unit_spelling_and_year():
    place = "海东"
    t = [
        Target("25%", "25", "%", "比重达25%。"),
        Target("1万平方米", "1", "万平方米", "超过1万平方米的宾馆。"),
    ]
    old = WorkPoint(
        "5", [], "完成2019年度评价", "", ["海东市工业园区管委会"], ["市财政局", "市林草局"], targets=t
    )
    new = WorkPoint(
        "4", [], "完成2020年度评价", "", ["海东工业园区管委会"], ["市林草局", "市财政局"], targets=t[::-1]
    )
    assert differences(old, new, place, place) == []
    twice = WorkPoint(
        "4", [], "完成2020年度评价", "", ["海东工业园区管委会"], ["市林草局", "市财政局"], targets=t + t[:1]
    )
    assert [(d.field, d.old, d.new) for d in differences(old, twice, place, place)] == [
        ("targets", "", "25%")
    ]


def test_memo_and_json(constructed):
    memo = constructed.memo()
    print("\n" + memo)
    lines = memo.splitlines()
    assert lines[1] == "对应61项（其中有变化5项、未变56项），新增2项，删去3项。"
    assert (
        memo.index("一、有变化的事项（5项）")
        < memo.index("二、新增的事项（2项）")
        < memo.index("三、删去的事项（3项）")
    )
    assert (
        "第47项「深入推进绿色建筑发展」：目标 25% → 30%（原文：“…绿色建筑比重达25%。” / 新文：“…绿色建筑比重达30%。”）"
        in memo
    )
    assert "第57项「加强生态资源管护」：牵头单位 市林草局 → 市自然资源规划局" in memo
    assert (
        "第14项 → 第13项「加强水生态系统保护与修复」：标题 加强水生态系统修复与保护 → 加强水生态系统保护与修复"
        in memo
    )
    d = json.loads(json.dumps(constructed.to_dict(), ensure_ascii=False))
    assert set(d) == {"a", "b", "kept", "changed", "new", "dropped"}
    assert d["a"]["number"] == "东政办〔2019〕138号" and d["b"]["number"] == "东政办〔2020〕96号"
    assert {"a", "b", "similarity"} <= set(d["kept"][0])
    assert set(d["changed"][0]) >= {"a", "b", "similarity", "differences"}
    assert set(d["changed"][0]["differences"][0]) == {"field", "old", "new", "quote_a", "quote_b"}
    assert d["new"][0] == {"b": "30", "title": "推进新能源项目建设"}
    assert d["dropped"][0] == {"a": "12", "title": "全面推进湟水规模化林场建设项目"}


def _real(embedder, name_a: str, name_b: str) -> Comparison:
    a, b = parse_notice(STATE_COUNCIL / f"{name_a}.html"), parse_notice(STATE_COUNCIL / f"{name_b}.html")
    c = compare_notices(a, b, _embed(embedder, a), _embed(embedder, b))
    print("\n" + c.memo())
    return c


def test_real_pair_two_inspection_letters(embedder):
    """国办函〔2004〕25号 (Hubei) against 〔2004〕71号 (Sichuan), read by hand: the opening paragraphs are
    one template (premier's visit, "现将有关情况函复如下"), so they pair; the requests are the provinces'
    own. Both letters answer a 地质灾害 request, but Hubei's asks for monitoring of the Three Gorges
    reservoir and Sichuan's for prevention funds: two tasks that share a topic, not one."""
    c = _real(embedder, "guobanhan-2004-025", "guobanhan-2004-071")
    assert _pairs(c) == {("导语", "导语")}
    assert [s.label for s in c.dropped] == ["一", "（一）", "（二）", "二", "三", "四", "五"]
    assert [s.label for s in c.new][:3] == ["一", "二", "三"] and len(c.new) == 16
    assert "八.1" in [s.label for s in c.new]  # "1." repeats under 八 and 十, so it carries its heading


def test_real_pair_two_guiding_opinions(embedder):
    """国办发〔2018〕115号 and 118号, one template a day apart, read by hand: their 指导思想 and their
    加强组织领导 are the same parts (same role, same duty for the 主要负责同志 as 第一责任人); both have a
    明确审核范围, but one scopes 规范性文件 and the other 重大执法决定: same title, different tasks."""
    c = _real(embedder, "guobanfa-2018-115", "guobanfa-2018-118")
    assert _pairs(c) == {("（一）", "（一）"), ("（十）", "（十八）")}
    assert "（三）" in [s.label for s in c.dropped] and "（十二）" in [s.label for s in c.new]


@pytest.fixture(scope="module")
def family_index(tmp_path_factory: pytest.TempPathFactory, embedder, editions) -> Path:
    from assistant.index import build_index

    corpus = tmp_path_factory.mktemp("family-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copy(editions[4], corpus / editions[4].name)
    for name in ("guobanhan-2004-025", "guobanhan-2004-071"):
        shutil.copy(STATE_COUNCIL / f"{name}.html", corpus / f"{name}.html")
    index = tmp_path_factory.mktemp("family-index")
    build_index(corpus, index, embedder, progress=False)
    return index


def test_compare_in_index_by_number_file_and_year(family_index, constructed):
    from assistant.index import load_index

    index = load_index(family_index)
    by_year = compare_in_index(index, "2019", "2020")
    by_name = compare_in_index(index, "东政办[2019]138号", "haidong-2020-constructed.txt")
    assert by_year.to_dict() == by_name.to_dict()
    assert _pairs(by_year) == _pairs(constructed) and len(by_year.changed) == 5
    assert compare_in_index(index, "国办函〔2004〕25号", "2004").b.number == "国办函〔2004〕71号"
    with pytest.raises(AssistantError, match="names 2 notices"):
        compare_in_index(index, "2004", "2019")
    with pytest.raises(AssistantError, match=r"named '2031'.*\n.*国办函〔2004〕25号"):
        compare_in_index(index, "2031", "2019")
    with pytest.raises(AssistantError, match="both name"):
        compare_in_index(index, "2019", SEED.name)


def test_cli_compare(family_index, capsys):
    from assistant.cli import main

    assert main(["compare", "2019", "2020", "--index", str(family_index), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [x["b"] for x in d["new"]] == ["30", "41"] and len(d["changed"]) == 5
    assert main(["compare", "2019", "2020", "--index", str(family_index)]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("对应61项")
    assert main(["compare", "2019", "nothing", "--index", str(family_index)]) == 1
    assert "name one by its 文号" in capsys.readouterr().err


def test_comparison_questions_in_the_chat_are_answered_from_the_alignment(family_index, embedder):
    """Chat questions that ask what changed: cited on both sides, confined to a topic or a department."""
    from assistant.answer import Assistant
    from assistant.index import load_index
    from assistant.search import Searcher

    assistant = Assistant(searcher=Searcher(load_index(family_index), embedder))
    new = assistant.ask("今年新增了哪些任务")
    assert new.kind == "compare" and new.found
    assert [c.point.title for c in new.citations] == ["推进新能源项目建设", "开展城市噪声污染防治"]
    assert all(c.doc.year == 2020 for c in new.citations)

    water = assistant.ask("2020年和2019年相比，涉及水的工作有什么变化")
    assert "7亿立方米 → 6.8亿立方米" in water.answer
    assert "87%" not in water.answer  # 残膜回收率 is not about water
    years = {(c.point.title, c.doc.year) for c in water.citations}
    assert ("扎实推进国家节水行动计划", 2019) in years and ("扎实推进国家节水行动计划", 2020) in years

    forestry = assistant.ask("市林草局的工作有什么变化")
    assert "牵头单位 市林草局 → 市自然资源规划局" in forestry.answer
    assert "全面推进湟水规模化林场建设项目" in forestry.answer  # dropped, led by 市林草局
    assert "残膜" not in forestry.answer


def test_same_family_is_the_editions_rule(tmp_path):
    """compare.same_family is :func:`assistant.editions.same_family`: the seed and its 2020 edition are one
    family; the two 2004 letters of one issuer (one kind, one year) are not."""
    from assistant.compare import same_family

    path = tmp_path / "haidong-2020-constructed.txt"
    path.write_text(second_edition(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    assert same_family(parse_notice(SEED), parse_notice(path))
    letters = [parse_notice(STATE_COUNCIL / f"{name}.html") for name in ("guobanhan-2004-025", "guobanhan-2004-071")]
    assert not same_family(*letters)
