"""The parser on the nine local government work reports (../shared/corpus/local): metadata, parts,
the task lists with their units, the report bodies by paragraph.

Every expected value below was read from the files themselves (grep over the printed lines), never
from the parser's output: the count of numbered tasks in each list, how many print a unit, and the
units each sampled task prints, with a shared prefix spelled out where the file shares it
(``市住建局、交通局`` is 市住建局 and 市交通局).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED

from assistant.parse import parse_notice
from assistant.parse.readers import read_document
from assistant.records import Notice

LOCAL = SHARED / "corpus" / "local"

#: file → (place, year, tasks in its list, tasks that print a lead unit, the list's part, {task: lead units}).
REPORTS: dict[str, tuple[str, int, int, int, str, dict[str, list[str]]]] = {
    "chengdu-2018-government-work-report.md": (
        "成都市", 2018, 68, 68, "附件1",
        {"1": ["市建委"], "7": ["市气象局", "市科技局"], "18": ["市卫计委", "市旅游局"],
         "51": ["市民政局", "市政府应急办"], "67": ["成都公积金中心"]},
    ),
    "chengdu-2019-government-work-report.md": (
        "成都市", 2019, 68, 68, "附件1",
        {"1": ["市住建局"], "4": ["市城管委", "市公安局"], "9": ["龙泉山城市森林公园管委会", "市公园城市建设管理局"],
         "17": ["市公园城市建设管理局"]},
    ),
    "chengdu-2021-government-work-report.md": (
        "成都市", 2021, 72, 72, "附件1",
        {"2": ["市住建局", "市交通运输局"], "31": ["市应急局〈市消防救援支队〉"], "61": ["市应急局〈市消防救援支队〉"],
         "62": ["市水务局"]},  # "62.20户以上…": the label's dot is followed by a figure
    ),
    "chengdu-2022-government-work-report.md": (
        "成都市", 2022, 82, 82, "附件1",
        {"6": ["市口岸物流办"], "27": ["市应急局〈市消防救援支队〉"], "70": ["市人防办"],
         "81": ["电信成都分公司", "移动成都分公司"]},
    ),
    "chengdu-2023-government-work-report.md": (
        "成都市", 2023, 86, 86, "附件1",
        {"14": ["市消防救援支队"], "74": ["市气象局"], "82": ["市国动办"], "85": ["电信成都分公司"]},
    ),
    "chengdu-2024-government-work-report.md": ("成都市", 2024, 36, 0, "附件1", {"4": [], "23": [], "36": []}),
    "jinan-2016-government-work-report.md": (
        "济南市", 2016, 15, 15, "2016年为民办15件实事",  # a closing section, printed without an attachment label
        {"一": ["市教育局"], "七": ["市林业局", "市城市园林绿化局"], "十": ["市发改委", "市交通局", "市财政局", "济阳县政府"],
         "十三": ["市政府办公厅"]},
    ),
    "jinan-2017-government-work-report.md": (
        "济南市", 2017, 16, 16, "附件2",  # 附件1 reports on the 2016 list; 附件2 is this year's
        {"一": ["市住房保障和房产管理局"], "十": ["市城管局", "市城乡建设委", "南部山区管委会"], "十五": ["团市委"],
         "十六": ["市残联"]},
    ),
    "bayannur-2025-government-work-report.md": (
        "巴彦淖尔市", 2025, 20, 20, "附件",
        {"1": ["市发改委"], "4": ["市红十字会"], "12": ["市住建局", "市交通局"],
         "15": ["市人社局", "市教育局", "市农牧局", "市退役军人事务局", "市残联"],
         "19": ["市政数局"]},  # printed " 牵头单位：市政数局）", its opening bracket lost
    ),
}

#: file → (title as the front matter gives it, issuer, date of the delivery line).
HEADS: dict[str, tuple[str, str, str]] = {
    "chengdu-2018-government-work-report.md": ("2018年政府工作报告", "成都市人民政府", "2018-02-25"),
    "chengdu-2019-government-work-report.md": ("2019年政府工作报告", "成都市人民政府", "2019-01-22"),
    "chengdu-2021-government-work-report.md": ("2021年成都市人民政府工作报告", "成都市人民政府", "2021-02-04"),
    "chengdu-2022-government-work-report.md": ("2022年成都市人民政府工作报告", "成都市人民政府", "2022-01-23"),
    "chengdu-2023-government-work-report.md": ("2023年成都市人民政府工作报告", "成都市人民政府", "2023-02-21"),
    "chengdu-2024-government-work-report.md": ("2024年成都市人民政府工作报告", "成都市人民政府", "2024-02-01"),
    "jinan-2016-government-work-report.md": ("2016年政府工作报告", "济南市人民政府", "2016-01-17"),
    "jinan-2017-government-work-report.md": ("2017年政府工作报告", "济南市人民政府", "2017-04-09"),
    "bayannur-2025-government-work-report.md": ("巴彦淖尔市政府工作报告（2025年1月8日 张鸿福）", "巴彦淖尔市人民政府", "2025-01-08"),
}


@pytest.fixture(scope="module")
def reports() -> dict[str, Notice]:
    return {name: parse_notice(LOCAL / name) for name in REPORTS}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_each_report_gives_its_task_list_with_units(reports, name):
    place, year, count, with_lead, part, sample = REPORTS[name]
    notice = reports[name]
    assert (notice.doc.place, notice.doc.year, notice.doc.kind) == (place, year, "政府工作报告")
    assert notice.doc.task_part == part
    tasks = notice.tasks
    assert len(tasks) == count
    assert sum(1 for t in tasks if t.lead) == with_lead
    assert all(t.part == part for t in tasks)
    by = {t.item: t for t in tasks}
    for item, lead in sample.items():
        assert by[item].lead == lead, (name, item)
        assert all(by[item].roles[u] in ("牵头", "负责") for u in lead)


@pytest.mark.parametrize("name", sorted(HEADS))
def test_each_report_keeps_its_title_and_finds_its_city_issuer_and_date(reports, name):
    title, issuer, date = HEADS[name]
    doc = reports[name].doc
    assert (doc.title, doc.issuer, doc.date, doc.number) == (title, issuer, date, "")
    assert doc.place in issuer
    raw = (LOCAL / name).read_text(encoding="utf-8")
    if "\nsource: " in raw.split("\n---", 1)[0]:
        assert doc.source.startswith("https://www.")


def test_the_front_matter_is_read_and_not_text():
    doc = read_document(LOCAL / "chengdu-2021-government-work-report.md")
    assert doc.title == "2021年成都市人民政府工作报告"
    assert doc.source == "https://www.chengdu.gov.cn/gkml/zfgzbg/1656193351734546433.shtml"
    assert doc.lines[0] == "政府工作报告"
    assert not any(line.startswith(("---", "title:", "source:")) for line in doc.lines)


def test_a_report_without_front_matter_gets_a_real_title_and_keeps_its_city(tmp_path: Path):
    """Saved without its front matter, a report titled only 政府工作报告 is still Chengdu's, not its file name."""
    text = (LOCAL / "chengdu-2021-government-work-report.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    path = tmp_path / "report.md"
    path.write_text(text, encoding="utf-8")
    doc = parse_notice(path).doc
    assert (doc.title, doc.place, doc.issuer, doc.year) == ("政府工作报告", "成都市", "成都市人民政府", 2021)


def test_every_part_is_labelled_and_attachment_titles_head_the_path(reports):
    chengdu = reports["chengdu-2018-government-work-report.md"]
    assert {p.part for p in chengdu.items} == {"正文", "附件1", "附件2"}
    first = next(p for p in chengdu.tasks if p.item == "1")
    assert first.title == "开通运营地铁1号线三期"
    assert first.path == ["2018年十大民生实事", "一、方便市民出行"]
    glossary = [p for p in chengdu.items if p.part == "附件2"]
    assert len(glossary) == 20 and glossary[0].path == ["名词解释"]  # 名词解释: numbered, but not tasks
    jinan = reports["jinan-2017-government-work-report.md"]
    assert [p.path[0] for p in jinan.tasks][:1] == ["2017年为民办16件实事"]
    assert sum(1 for p in jinan.items if p.part == "附件1") == 15
    category = next(p for p in reports["chengdu-2019-government-work-report.md"].tasks if p.item == "32")
    assert category.path[-1] == "五、推动教育发展"


def test_a_task_whose_unit_stands_after_its_first_clause_quotes_that_clause(reports):
    """Jinan 2017's 附件1 prints each 2016 task as ``一、…49所中小学校（市教育局负责）。<result>``."""
    done = {p.item: p for p in reports["jinan-2017-government-work-report.md"].items if p.part == "附件1"}
    assert done["一"].title == "优化教育资源，开工新建、改扩建49所中小学校"
    assert done["一"].lead == ["市教育局"]
    assert done["一"].quotes == {"市教育局": "优化教育资源，开工新建、改扩建49所中小学校"}
    assert "300个贫困村建成光伏扶贫电站" in done["五"].text and done["五"].lead == ["市发改委", "市农业局"]
    # （市政府办公厅牵头，司法局、停车办、济南停车集团、住房公积金管理中心、公安局分别负责）
    assert done["十三"].lead == ["市政府办公厅"]
    assert done["十三"].responsible == ["市司法局", "市停车办", "济南停车集团", "市住房公积金管理中心", "市公安局"]


def test_a_list_task_with_sub_items_keeps_both(reports):
    """Jinan 2016 task 十三 prints （市政府办公厅牵头） and four sub-items, each with its own unit."""
    notice = reports["jinan-2016-government-work-report.md"]
    subs = [p for p in notice.items if p.path[-1:] == ["十三、打造便捷生活，实施“互联网＋”信息惠民工程"]]
    assert [(p.item, p.lead) for p in subs] == [
        ("1", ["市司法局"]), ("2", ["市停车办", "济南停车集团"]), ("3", ["市住房公积金管理中心"]), ("4", ["市公安局"])
    ]


def test_the_bracketed_executing_body_is_kept_as_printed_and_found_by_its_own_name(reports):
    task = next(p for p in reports["chengdu-2022-government-work-report.md"].tasks if p.item == "27")
    assert task.roles == {"市应急局〈市消防救援支队〉": "牵头"}
    assert ("市消防救援支队", "牵头") in task.role_pairs()
    from assistant.parse.units import unit_key, unit_keys

    assert unit_key("市应急局〈市消防救援支队〉") == unit_key("市应急局") == "应急局"
    assert unit_keys("市应急局〈市消防救援支队〉") == ["应急局", "消防救援支队"]


def test_report_bodies_are_work_points_by_paragraph(reports):
    """The body answers "2022年地区生产总值增长目标是多少": its paragraph is a work point of its own."""
    notice = reports["chengdu-2022-government-work-report.md"]
    body = [p for p in notice.items if p.part == "正文"]
    target = [p for p in body if "地区生产总值增长7%左右" in p.text]
    assert len(target) == 1 and len(target[0].text) < 600
    assert target[0].path == ["二、2022年工作安排"] and target[0].item.endswith("段")
    assert "7%左右" in [t.text for t in target[0].targets]
    assert not any(p in notice.tasks for p in body)
    jobs = next(p for p in reports["jinan-2016-government-work-report.md"].items if "确保城镇新增就业10万人" in p.text)
    assert jobs.part == "正文" and jobs.title == "促进就业推动创业" and len(jobs.text) < 400
    for notice in reports.values():  # no section of a body is one giant work point
        assert max(len(p.text) for p in notice.items if p.part == "正文") < 2500, notice.file


def test_figures_in_measure_words_and_bare_bounded_indices_are_targets(reports):
    """A figure is read in whatever measure word the report prints it (间, 栋, 学时), with 余/多 between the number
    and its unit, and a bare index that a bound sets (不超过1.70) is read too."""
    def targets(name: str, words: str) -> dict[str, str]:
        point = next(p for p in reports[name].items if words in p.text)
        return {t.text: t.unit for t in point.targets}

    assert targets("chengdu-2022-government-work-report.md", "光环境改造")["3.5万间"] == "万间"
    assert "1.70" in targets("chengdu-2018-government-work-report.md", "拥堵指数不超过")
    found = targets("chengdu-2023-government-work-report.md", "照亮回家路")
    assert found["2500个"] == "个" and found["2万盏"] == "万盏"


def test_rough_counts_and_dates_around_figures():
    from assistant.parse.targets import extract_targets

    assert [(t.text, t.unit) for t in extract_targets("建成1.7万余张方舱床位。")] == [("1.7万余张", "万张")]
    assert [(t.text, t.unit) for t in extract_targets("惠及100多万人。")] == [("100多万人", "万人")]
    assert extract_targets("自2019年1月1日起施行。") == []
