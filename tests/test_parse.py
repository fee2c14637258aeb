"""The notice parser on the real notices: structure, metadata, responsibility, targets."""

from __future__ import annotations

import json
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
        # Every unit printed under 责任单位 is responsible, also one printed under 牵头单位 too (task 48).
        assert p.responsible == raw[p.item]["responsible"], p.item
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


# ---------------------------------------------------------------- issue 9: every printed form


@pytest.mark.parametrize(
    ("name", "number", "title", "issuer", "date", "kind"),
    [
        ("guobanfa-2019-003.html", "国办发〔2019〕3号", "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知", "国务院办公厅",
         "2019-01-09", "通知"),
        ("guofa-2019-003.html", "国发〔2019〕3号", "国务院关于促进综合保税区高水平开放高质量发展的若干意见", "国务院",
         "2019-01-12", "意见"),
        # The signature closing the letter, not that of the report attached after it (二〇〇四年十月十日).
        ("guobanhan-2004-080.html", "国办函〔2004〕80号", "国务院办公厅关于湖北省巴东县地质灾害险情有关问题的复函",
         "国务院办公厅", "2004-11-04", "复函"),
        # A notice transmitting a report: its own signature comes first, the report's (一九九六年一月二十五日) after.
        ("guobanfa-1996-002.html", "国办发〔1996〕2号",
         "国务院办公厅转发国家地震局关于我国地震重点监视防御区的确定和加强防震减灾工作意见报告的通知", "国务院办公厅",
         "1996-02-05", "报告"),
    ],
)
def test_state_council_metadata_sample(name, number, title, issuer, date, kind):
    doc = parse_notice(STATE_COUNCIL / name).doc
    assert (doc.number, doc.title, doc.issuer, doc.date) == (number, title, issuer, date)
    assert (doc.kind, doc.place) == (kind, "")


#: A government site's page furniture, as a saved page prints it: 40 menu lines, a breadcrumb, the
#: information table, print/close/share buttons, related links (one with another notice's 文号), a footer.
MENU = ("首页 简 繁 EN 登录 个人中心 退出 邮箱 无障碍 国务院 总理 新闻 政策 互动 服务 数据 国情 国家政务服务平台 最新 "
        "国务院政策文件库 政府信息公开 政策解读 国务院文件 政策文件 部门文件 政策问答 要闻 专题 政务联播 新闻发布 人事 "
        "滚动 督查 督办 我要留言 政务服务 便民服务 国务院组织机构 全国政协 地方政府").split()


def wrapped_page(page_html: str) -> str:
    nav = "<div class='header'><ul>" + "".join(f"<li><a href='#'>{m}</a></li>" for m in MENU) + "</ul></div>"
    crumb = "<div class='crumb'>当前位置：<a>首页</a> &gt; <a>政策</a> &gt; <a>国务院文件</a></div>"
    info = (
        "<table class='info'><tr><td>索引号：</td><td>000014349/2019-00012</td><td>主题分类：</td><td>教育\\其他</td></tr>"
        "<tr><td>发文机关：</td><td>国务院办公厅</td><td>成文日期：</td><td>2019年01月09日</td></tr>"
        "<tr><td>标题：</td><td colspan='3'>国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知</td></tr>"
        "<tr><td>发文字号：</td><td>国办发〔2019〕3号</td><td>发布日期：</td><td>2019年01月22日</td></tr></table>"
    )
    after = (
        "<div>【我要打印】【关闭窗口】</div><div class='share'>分享到：<a>微信</a><a>微博</a></div>"
        "<div class='related'><h3>相关解读</h3><ul><li><a>教育部负责人就《国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知》"
        "答记者问</a></li><li><a>国务院办公厅关于印发全国深化“放管服”改革优化营商环境电视电话会议重点任务分工方案的通知"
        "（国办发〔2019〕39号）</a></li></ul></div>"
        "<div class='footer'>版权所有：中国政府网 | 中华人民共和国国务院办公厅 主办 | 网站标识码bm01000001 | "
        "京ICP备05070218号 | 京公网安备11010202000001号</div>"
    )
    page_html = page_html.replace("_政府信息公开专栏", "")
    title = "<title>国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知_政府信息公开专栏</title>"
    page_html = re.sub(r"<title>.*?</title>", title, page_html, count=1)
    page_html = page_html.replace("<body>", "<body>" + nav + crumb + info, 1)
    return page_html.replace("</body>", after + "</body>", 1)


def test_a_notice_wrapped_in_site_navigation_keeps_its_number_title_and_work_points(tmp_path):
    real = STATE_COUNCIL / "guobanfa-2019-003.html"
    path = tmp_path / "wrapped.html"
    path.write_text(wrapped_page(real.read_text(encoding="utf-8")), encoding="utf-8")
    from assistant.parse.readers import read_document

    assert sum(1 for line in read_document(path).lines if line in MENU) >= 40
    wrapped, plain = parse_notice(path), parse_notice(real)
    assert wrapped.doc.number == "国办发〔2019〕3号"
    assert wrapped.doc.title == "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知"
    doc = wrapped.doc
    assert (doc.issuer, doc.date, doc.published) == ("国务院办公厅", "2019-01-09", "2019-01-22")
    assert _items(wrapped) == _items(plain)
    texts = "\n".join(p.text for p in wrapped.items)
    for noise in ("首页", "索引号", "分享到", "相关解读", "关闭窗口", "版权所有", "答记者问", "国办发〔2019〕39号"):
        assert noise not in texts


def test_a_page_of_navigation_alone_is_unreadable(tmp_path):
    from assistant.errors import UnreadableFileError

    nav = "".join(f"<li><a href='#'>{m}</a></li>" for m in MENU)
    path = tmp_path / "menu.html"
    path.write_text(f"<html><head><title>中国政府网</title></head><body><ul>{nav}</ul>"
                    "<div>版权所有：中国政府网</div></body></html>", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="navigation"):
        parse_notice(path)


def test_a_prose_notice_is_read_by_paragraph():
    reply = parse_notice(STATE_COUNCIL / "guobanhan-2006-069.html")  # a reply printed without numbering
    assert [p.item for p in reply.items] == ["第1段", "第2段", "第3段"]
    assert reply.items[0].title == "您提出的关于请总理网上博客听取民意的建议收悉，现答复如下"
    assert "温家宝总理" in reply.items[0].text  # "现答复如下：" is joined to the paragraph it announces
    assert reply.tasks == []
    short = parse_notice(STATE_COUNCIL / "guobanhan-2004-036.html")  # one paragraph after its announcement
    assert [p.item for p in short.items] == ["导语"]


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("x。（牵头责任单位：自治区教育厅）", {"自治区教育厅": "牵头"}),
        ("x。（市教育局负责）", {"市教育局": "负责"}),
        ("x。（市发改委、交通局、财政局，济阳县政府负责）", {"市发改委": "负责", "市交通局": "负责", "市财政局": "负责", "济阳县政府": "负责"}),
        ("x。（牵头单位：市住建局、交通局）", {"市住建局": "牵头", "市交通局": "牵头"}),
        ("x。（市政府办公厅牵头，司法局、济南停车集团分别负责）", {"市政府办公厅": "牵头", "市司法局": "负责", "济南停车集团": "负责"}),
        ("x。 牵头单位：市政数局）", {"市政数局": "牵头"}),  # its opening bracket lost
        ("x。（牵头单位：市应急局〈市消防救援支队〉）", {"市应急局〈市消防救援支队〉": "牵头"}),
    ],
)
def test_local_responsibility_forms(text, roles):
    assert parse_trailing_parenthesis(text)[0] == roles


@pytest.mark.parametrize(
    ("printed", "units"),
    [
        ("市住建局、交通局", ["市住建局", "市交通局"]),
        ("市人社局、教育局、农牧局、退役军人事务局、残联", ["市人社局", "市教育局", "市农牧局", "市退役军人事务局", "市残联"]),
        ("市林业局、城市园林绿化局", ["市林业局", "市城市园林绿化局"]),  # 城市 is no place
        ("市城管局、城乡建设委、南部山区管委会", ["市城管局", "市城乡建设委", "南部山区管委会"]),  # a 区 of its own
        ("电信成都分公司、移动成都分公司", ["电信成都分公司", "移动成都分公司"]),  # no level prefix to share
        ("市环保局、市政公用局", ["市环保局", "市政公用局"]),  # printed with its own 市
        ("自治区教育厅、财政厅", ["自治区教育厅", "自治区财政厅"]),
        ("国家发展改革委、财政部", ["国家发展改革委", "财政部"]),
        ("省级人民政府、财政厅", ["省级人民政府", "财政厅"]),  # 省级: a collective, not a level prefix
    ],
)
def test_a_shared_level_prefix_is_spelled_out_only_for_bare_department_names(printed, units):
    assert split_units(printed) == units


FORMS = """某某自治区人民政府办公厅
关于印发某某自治区2024年民生实事的通知
某政办发〔2024〕7号
各盟市人民政府，自治区各委、办、厅、局：
现将2024年民生实事印发给你们，请认真组织实施。
一、实施学前教育普惠工程
目标任务：
1．新增公办幼儿园学位2万个。
2．普惠性幼儿园覆盖率达到90%。
牵头单位：自治区教育厅
责任单位：自治区财政厅、各盟市人民政府
二、推进老旧小区改造
目标任务：改造老旧小区500个，加装电梯300部。
牵头单位：自治区住房城乡建设厅
配合单位：自治区发展改革委
三、实施免费体检行动（牵头责任单位：自治区卫生健康委）
四、完善城乡供水。新建农村供水工程20处（自治区水利厅负责），改造城市供水管网100公里（自治区住房城乡建设厅负责）。
五、建设便民停车设施，新增停车泊位5000个。（自治区住房城乡建设厅牵头，自治区公安厅、交通运输厅配合）
六、开展就业援助。
牵头单位：各盟市人民政府
责任单位：各盟市人民政府，自治区人力资源社会保障厅
七、推进便民服务
1、新建便民服务站100个。
2、①新增自助终端200台；②延长窗口服务时间。
某某自治区人民政府办公厅
2024年1月15日
"""


def test_a_regional_list_in_every_printed_form(tmp_path):
    path = tmp_path / "regional.txt"
    path.write_text(FORMS, encoding="utf-8")
    notice = parse_notice(path)
    doc = notice.doc
    assert (doc.number, doc.issuer, doc.place, doc.year, doc.date, doc.kind) == (
        "某政办发〔2024〕7号", "某某自治区人民政府办公厅", "某某自治区", 2024, "2024-01-15", "民生实事"
    )
    by = {p.item: p for p in notice.items if p.path == [] and p.item != "导语"}
    assert [p.item for p in notice.tasks] == ["一", "二", "三", "四", "五", "六"]  # 七 heads its two items
    # 目标任务： and the numbered lines under it belong to the task; the unit lines after them too.
    assert "2．普惠性幼儿园覆盖率达到90%。" in by["一"].text and by["一"].title == "实施学前教育普惠工程"
    assert (by["一"].lead, by["一"].responsible) == (["自治区教育厅"], ["自治区财政厅", "各盟市人民政府"])
    assert by["二"].roles == {"自治区住房城乡建设厅": "牵头", "自治区发展改革委": "配合"}
    assert (by["三"].title, by["三"].lead) == ("实施免费体检行动", ["自治区卫生健康委"])
    # A parenthesis per clause: each clause's unit leads the task, quoted with its clause.
    assert by["四"].lead == ["自治区水利厅", "自治区住房城乡建设厅"]
    assert by["四"].quotes == {"自治区水利厅": "新建农村供水工程20处", "自治区住房城乡建设厅": "改造城市供水管网100公里"}
    assert (by["五"].lead, by["五"].responsible) == (["自治区住房城乡建设厅"], ["自治区公安厅", "自治区交通运输厅"])
    assert by["五"].quotes == {}  # one parenthesis for the whole task
    # A unit printed under both 牵头单位 and 责任单位 keeps both roles.
    six = by["六"]
    assert six.lead == ["各盟市人民政府"] and six.responsible == ["各盟市人民政府", "自治区人力资源社会保障厅"]
    assert six.roles["各盟市人民政府"] == "牵头" and six.more_roles == {"各盟市人民政府": ["责任"]}
    assert ("各盟市人民政府", "责任") in six.role_pairs()
    subs = [p for p in notice.items if p.path == ["七、推进便民服务"]]
    assert [p.item for p in subs] == ["1", "2"] and "②延长窗口服务时间" in subs[1].text


def test_seed_task_48_keeps_its_unit_in_both_roles(seed):
    task = next(p for p in seed.items if p.item == "48")
    assert task.lead == ["各县区人民政府", "市交通运输局", "市公安局", "市住房建设局"]
    assert task.responsible == ["各县区人民政府", "市政府有关部门"]
    assert task.roles["各县区人民政府"] == "牵头" and task.more_roles == {"各县区人民政府": ["责任"]}
    assert seed.doc.place == "海东市" and seed.doc.kind == "工作要点" and seed.doc.task_part == ""


def test_new_fields_survive_the_index_json(seed, tmp_path):
    from assistant.records import Notice

    path = tmp_path / "regional.txt"
    path.write_text(FORMS, encoding="utf-8")
    for notice in (seed, parse_notice(path), parse_notice(STATE_COUNCIL / "guobanfa-2018-126.html")):
        stored = json.loads(json.dumps(notice.to_dict(), ensure_ascii=False))
        again = Notice.from_dict(stored, file=notice.file)
        assert again.to_dict() == notice.to_dict()
        assert [p.item for p in again.tasks] == [p.item for p in notice.tasks]
    old = seed.to_dict()  # an index written before these fields existed still loads
    for point in old["items"]:
        point.pop("more_roles"), point.pop("quotes"), point.pop("part")
    old["doc"].pop("task_part")
    assert len(Notice.from_dict(old).tasks) == 59


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ("国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知_政府信息公开专栏", "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知"),
        ("专利代理条例 - 中国政府网", "专利代理条例"),
        ("某某市人民政府办公室关于印发某某市2023年民生实事的通知-某某市人民政府门户网站",
         "某某市人民政府办公室关于印发某某市2023年民生实事的通知"),
        ("中国政府网", ""),  # a site's name alone is no title: the text's own title block is read instead
    ],
)
def test_a_page_title_loses_the_sites_name(page, title):
    from assistant.parse.metadata import clean_page_title

    assert clean_page_title(page) == title
