"""The notice parser on the real notices: structure, metadata, responsibility, targets."""

from __future__ import annotations

import re

import pytest
from conftest import SEED, STATE_COUNCIL

from assistant.parse import parse_notice
from assistant.parse.units import merge_misprints, parse_trailing_parenthesis, split_units, unit_key


@pytest.fixture(scope="module")
def seed():
    return parse_notice(SEED)


def _raw_task_blocks() -> dict[str, dict[str, list[str]]]:
    """Lead and responsible units of each task as printed, read straight from the file's lines."""
    blocks: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        m = re.match(r"^(\d+)\.\s", line)
        if m:
            current = blocks.setdefault(m.group(1), {"lead": [], "responsible": []})
        elif current is not None and line.startswith(("牵头单位", "责任单位")):
            key = "lead" if line.startswith("牵头") else "responsible"
            current[key] += [u for u in re.split(r"[、,，]", line.split(":", 1)[1]) if u]
    return blocks


def test_seed_metadata(seed):
    assert seed.doc.number == "东政办〔2019〕138号"
    assert seed.doc.issuer == "海东市人民政府办公室"
    assert seed.doc.date == "2019-08-19"
    assert seed.doc.year == 2019
    assert "生态文明先行示范区建设2019年度工作要点" in seed.doc.title


def test_seed_has_exactly_59_numbered_tasks_with_printed_units(seed):
    tasks = [p for p in seed.items if p.item.isdigit()]
    assert [p.item for p in tasks] == [str(i) for i in range(1, 60)]
    raw = _raw_task_blocks()
    assert len(raw) == 59
    for p in tasks:
        assert p.lead == raw[p.item]["lead"], p.item
        responsible_printed = [u for u in raw[p.item]["responsible"] if u not in p.lead]
        assert p.responsible == responsible_printed, p.item
        assert all(p.roles[u] == "牵头" for u in p.lead)


def test_seed_paths_titles_and_targets(seed):
    by = {p.item: p for p in seed.items}
    assert by["1"].title == "推进实施区域协调发展战略"
    assert by["1"].path == ["一、重点任务及责任分工", "(一)优化国土空间开发格局"]
    assert by["13"].path[-1] == "(二)筑牢生态安全屏障"
    assert "87%" in [t.text for t in by["37"].targets]
    t = next(t for t in by["37"].targets if t.text == "87%")
    assert "残膜回收率" in t.sentence
    assert {"40%以上"} <= {t.text for t in by["11"].targets}
    assert "0.543" in [t.text for t in by["26"].targets]  # 利用系数达到0.543: set by the verb, no unit
    assert "8.3万座" in [t.text for t in by["44"].targets]
    assert "30.89万亩" in [t.text for t in by["4"].targets]
    assert "146.5蒸吨" in [t.text for t in by["25"].targets]
    assert any(t.text == "Ⅳ类" for t in by["32"].targets)
    # No year or calendar date is taken for a target.
    assert not any(re.fullmatch(r"\d{4}年", t.text) for p in seed.items for t in p.targets)


def test_seed_noise_is_not_an_item_and_work_requirements_are(seed):
    texts = "\n".join(p.text for p in seed.items)
    for noise in ("网站无障碍", "索引号", "相关解读"):
        assert noise not in texts
    requirements = [p for p in seed.items if p.path and p.path[0].startswith("四、")]
    assert [p.item for p in requirements] == ["（一）", "（二）", "（三）", "（四）"]
    assert any("11月20日前" in p.text for p in requirements)


def test_unit_names_normalise_for_lookup_but_print_as_is(seed):
    by = {p.item: p for p in seed.items}
    assert "海东市工业园区管委会" in by["18"].lead
    assert "海东工业园区管委会" in by["19"].responsible
    assert unit_key("海东市工业园区管委会", "海东") == unit_key("海东工业园区管委会", "海东")
    assert "市省自然资源规划局" in by["56"].lead  # the misprint stays as printed
    keys = {unit_key(u, "海东") for p in seed.items for u in p.units}
    assert merge_misprints(keys)[unit_key("市省自然资源规划局", "海东")] == unit_key("市自然资源规划局", "海东")


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        (
            "x。（税务总局、财政部、海关总署负责，排在第一位的部门为牵头部门，下同）",
            {"税务总局": "牵头", "财政部": "负责", "海关总署": "负责"},
        ),
        ("x。（人力资源社会保障部、财政部负责。列第一位者为牵头单位，下同）", {"人力资源社会保障部": "牵头", "财政部": "负责"}),
        ("x。（生态环境部牵头，国家发展改革委、财政部参与）", {"生态环境部": "牵头", "国家发展改革委": "参与", "财政部": "参与"}),
        ("x。（教育部指导）", {"教育部": "指导"}),
        ("x。（自然资源部会同有关部门负责）", {"自然资源部": "牵头"}),
        ("x（牵头单位：市林草局，配合单位：市财政局、市水务局）", {"市林草局": "牵头", "市财政局": "配合", "市水务局": "配合"}),
    ],
)
def test_responsibility_styles(text, roles):
    assert parse_trailing_parenthesis(text)[0] == roles


def test_split_units_drops_filler():
    assert split_units("人力资源社会保障部等有关部门和单位") == ["人力资源社会保障部"]
    assert split_units("各县区人民政府,市财政局、市水务局") == ["各县区人民政府", "市财政局", "市水务局"]


@pytest.mark.parametrize("name", ["guofa-2018-039.html", "guofa-2018-042.html", "guofa-2019-003.html"])
def test_state_council_measures_carry_responsibility_lead_first(name):
    notice = parse_notice(STATE_COUNCIL / name)
    paren = re.compile(r"[（(]([^（）()]*(负责|牵头)[^（）()]*)[）)]\s*。?$")
    measures = [p for p in notice.items if any(paren.search(line) for line in p.text.split("\n"))]
    assert len(measures) >= 13
    for p in measures:
        assert p.lead, (name, p.item)
        line = next(line for line in reversed(p.text.split("\n")) if paren.search(line))
        first_printed = split_units(re.split(r"[，,。]", paren.search(line).group(1))[0].split("负责")[0].split("牵头")[0])[0]
        assert p.lead[0] == first_printed, (name, p.item)


def test_ages_are_targets_and_years_scope_the_figures_after_them():
    from assistant.figures import governing_year

    jobs = {p.item: p for p in parse_notice(STATE_COUNCIL / "guofa-2018-039.html").items}
    assert "16—24岁" in [t.text for t in jobs["（五）"].targets]
    machines = {p.item: p for p in parse_notice(STATE_COUNCIL / "guofa-2018-042.html").items}["（二）"]
    years = {t.text: governing_year(machines.text, t) for t in machines.targets}
    assert years["70%"] == "2020" and years["75%"] == "2025"


def test_state_council_metadata_and_structure():
    law = parse_notice(STATE_COUNCIL / "guoling-706.html")
    assert law.doc.number == "国务院令第706号"
    assert law.doc.title == "专利代理条例"
    articles = [p.item for p in law.items if p.item.startswith("第") and p.item.endswith("条")]
    assert articles[:3] == ["第一条", "第二条", "第三条"]
    assert len(articles) == len(set(articles)) >= 30
    art8 = next(p for p in law.items if p.item == "第八条")
    assert "（四）" in art8.text  # an article's enumerated conditions belong to it
    assert art8.path == ["第二章　专利代理机构和专利代理师"] or art8.path[0].startswith("第二章")
    reply = parse_notice(STATE_COUNCIL / "guobanhan-2005-069.html")
    assert reply.doc.number == "国办函〔2005〕69号"
    assert reply.doc.issuer == "国务院办公厅"
    assert reply.doc.date == "2005-07-14"
    assert [p.item for p in reply.items if p.item != "导语"] == ["一", "二", "三", "四", "五"]


def test_every_state_council_notice_parses_with_a_number_and_items():
    for path in sorted(STATE_COUNCIL.glob("*.html")):
        notice = parse_notice(path)
        assert notice.items, path.name
        assert notice.doc.number, path.name
        assert notice.doc.year and 1980 <= notice.doc.year <= 2019, path.name


def _items(notice) -> list[tuple]:
    return [(p.item, tuple(p.path), p.title, p.text, tuple(p.lead), tuple(p.responsible)) for p in notice.items]


def test_same_notice_as_docx_pdf_and_gbk_parses_to_the_same_items(tmp_path, seed):
    """The seed saved by the test as GBK text, .docx and .pdf gives the same work points as the original."""
    from docx import Document
    from test_readers import make_seed_pdf

    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    gbk = tmp_path / "seed-gbk.txt"
    gbk.write_bytes("\n".join(lines).replace("\xa0", " ").encode("gbk"))
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(tmp_path / "seed.docx")
    pdf = make_seed_pdf(tmp_path, lines, indent="\u3000\u3000")
    expected = _items(seed)
    for path in (gbk, tmp_path / "seed.docx", pdf):
        other = parse_notice(path)
        assert _items(other) == expected, path.name
        assert (other.doc.number, other.doc.date) == (seed.doc.number, seed.doc.date), path.name


def test_a_task_table_in_a_docx_becomes_work_points_with_units(tmp_path):
    """Many 工作要点 list tasks in a table: each row is a work point, its unit columns its roles."""
    from docx import Document

    doc = Document()
    for line in ("某某市人民政府办公室", "关于印发某某市2020年节水工作要点的通知", "某政办〔2020〕12号", "各县区人民政府：",
                 "现将工作要点印发给你们，请认真贯彻落实。"):
        doc.add_paragraph(line)
    table = doc.add_table(rows=1, cols=6)
    for cell, text in zip(table.rows[0].cells, ("序号", "工作任务", "工作目标", "牵头单位", "责任单位", "完成时限"), strict=True):
        cell.text = text
    rows = [
        ("1", "推进农业节水增效", "高效节水灌溉面积达到5万亩", "市水务局", "市农业农村局、市财政局", "2020年底"),
        ("2", "加强城镇节水", "城市公共供水管网漏损率控制在10%以内", "市住房建设局", "市水务局", "2020年10月"),
        ("3", "开展节水宣传", "", "市水务局", "", "全年"),
    ]
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    doc.save(tmp_path / "table.docx")
    notice = parse_notice(tmp_path / "table.docx")
    assert notice.doc.number == "某政办〔2020〕12号"
    tasks = {p.item: p for p in notice.tasks}
    assert sorted(tasks) == ["1", "2", "3"]
    assert tasks["1"].title == "推进农业节水增效"
    assert tasks["1"].lead == ["市水务局"] and tasks["1"].responsible == ["市农业农村局", "市财政局"]
    assert "5万亩" in [t.text for t in tasks["1"].targets] and "完成时限：2020年底" in tasks["1"].text
    assert tasks["2"].lead == ["市住房建设局"] and any(t.text == "10%以内" for t in tasks["2"].targets)
    assert tasks["3"].lead == ["市水务局"] and tasks["3"].responsible == []


def test_the_state_council_reform_list_table_gives_23_measures_with_guiding_units():
    notice = parse_notice(STATE_COUNCIL / "guobanfa-2018-126.html")
    numbered = [p for p in notice.items if p.item.isdigit()]
    assert [p.item for p in numbered][:14] == [str(i) for i in range(1, 15)]
    first = numbered[0]
    assert first.title == "知识产权民事、刑事、行政案件“三合一”审判"
    assert first.roles == {"最高人民法院": "指导", "最高人民检察院": "指导", "国家知识产权局": "指导"}
