"""Reading a question, without the model or an index: cues, years, task numbers, follow-ups, loose input."""

from __future__ import annotations

import pytest

from assistant.answering.loose import Corrector, english_unit_phrase, homophones, unit_like_words
from assistant.answering.question import check_question, normalise, read_question
from assistant.errors import QuestionError


def read(text: str):
    return read_question(check_question(text))


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("残膜回收率要达到多少", {"figure"}),
        ("河长制湖长制工作谁牵头", {"lead"}),
        ("市林草局牵头哪些任务", {"list"}),
        ("东政办〔2019〕138号一共有多少项任务？", {"count"}),
        ("这份通知的文号是什么", {"number"}),
        ("这份通知是什么时候印发的", {"date"}),
        ("各项任务完成情况报送到哪里", {"collective"}),
        ("身份证丢了怎么补办", {"procedure"}),
        ("第37项的具体内容是什么", {"detail"}),
        ("What is the target for the crop straw utilization rate?", {"figure"}),
        ("Which department leads the river chief system?", {"lead"}),
    ],
)
def test_what_a_question_asks_for(text, asks):
    assert asks <= read(text).asks


def test_a_count_is_not_a_figure_and_a_task_number_is_not_a_count():
    assert read("一共有多少项任务").asks >= {"count"} and "figure" not in read("一共有多少项任务").asks
    q = read("第59项任务由谁牵头")
    assert q.task_number == 59 and "count" not in q.asks and "lead" in q.asks
    assert read("第十七件是什么").task_number == 17
    assert read("task 12 is about what?").task_number == 12


def test_years_and_a_doc_number():
    q = read("国办发〔2019〕3号一共有多少项任务？")
    assert q.doc_number == "国办发〔2019〕3号" and q.years == []
    q = read("成都2021年和2022年的民生实事各有多少项")
    assert q.years == [2021, 2022]
    assert read("成都23年空气优良天数目标").short_years == [2023] and read("成都23年空气优良天数目标").years == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("2020年比2019年新增了哪些任务？", "new"),
        ("2020年删掉了哪些工作？", "dropped"),
        ("今年的工作要点和去年比，目标有什么调整", "changed"),
        ("和去年比有什么变化", "all"),
        ("两年的工作要点有什么不同", "all"),
        ("What changed between the 2019 and 2020 work points?", "all"),
        ("What's new in 2020?", "new"),
        ("成都2021年和2022年新建改扩建中小学幼儿园新增学位目标分别是多少", "all"),
    ],
)
def test_comparisons_in_any_phrasing(text, kind):
    assert read(text).compare == kind


def test_a_figure_in_one_edition_is_not_a_comparison():
    assert read("残膜回收率要达到多少").compare == ""
    assert read("城市生活垃圾无害化处理率有什么要求").compare == ""


@pytest.mark.parametrize("text", ["那它的责任单位呢？", "那市水务局呢？", "2018年呢？", "第二个呢？", "还有吗", "成都呢"])
def test_follow_ups_read_as_follow_ups(text):
    assert read(text).followup


def test_a_whole_question_is_not_a_follow_up():
    assert not read("市林草局牵头哪些任务？").followup
    assert read("第二个呢？").ordinal == 2 and read("那它的责任单位呢？").pronoun


def test_loose_input_is_normalised():
    assert normalise("城市綠地率要達到多少？") == "城市绿地率要达到多少?"
    assert normalise("２０１９年ＧＤＰ") == "2019年GDP"
    assert normalise("bad \ud800 surrogate") == "bad surrogate"
    with pytest.raises(QuestionError):
        check_question("？？！")
    with pytest.raises(QuestionError):
        check_question("   ")


def test_homophone_slips_are_corrected_against_printed_words_only():
    c = Corrector(["厕所革命", "公积金", "森林公园", "自行车", "革命"])
    assert c.correct("厕所革名谁牵头")[0] == "厕所革命谁牵头"
    assert c.correct("公基金中心负责哪些")[0] == "公积金中心负责哪些"
    assert c.correct("厕所革命谁牵头")[1] == []  # printed as asked: nothing to correct
    assert c.correct("厕所改造谁牵头")[1] == []  # not a homophone slip
    assert homophones("名", "命") and not homophones("草", "业")


def test_unit_words_and_english_unit_phrases():
    assert "林业局" in unit_like_words("林业局牵头哪些任务")
    assert english_unit_phrase("Which tasks does the forestry and grassland bureau lead?") == "forestry and grassland bureau"
    assert english_unit_phrase("What is the target for straw?") == ""


@pytest.mark.parametrize(
    ("question", "unit"),
    [("教室灯光改造要改多少间", "间"), ("改造多少间？", "间"), ("有多少部门参与", ""), ("多少支持政策", ""),
     ("要建多少个", "个"), ("培训不少于多少学时", "学时"), ("几座桥", "座"), ("应急响应是几级", "级")],
)
def test_a_measure_word_that_begins_everyday_words_is_asked_only_where_no_word_goes_on(question, unit):
    from assistant.figures import asked_unit

    assert asked_unit(question) == unit


@pytest.mark.parametrize(
    ("question", "unit"),
    [("海东几个主要城市空气好的天数要占到多少", ""),  # the last 多少 asks; 几个 counts the cities
     ("哪几个县要完成多少公里", "公里"), ("老旧小区要加装多少部电梯", "部"), ("多少份材料", "份"),
     ("新增多少日收运能力", ""), ("要用多少天", "天"), ("多少天然气", ""), ("多少年轻人", ""),
     ("无害化处理率是多少", "%"), ("捡回来的要有几成", "%"), ("占地多少", "")],
)
def test_the_unit_asked_is_read_where_the_question_asks(question, unit):
    from assistant.figures import asked_unit

    assert asked_unit(question) == unit


def test_a_rate_implies_percent_without_naming_it():
    from assistant.figures import asked_unit

    assert asked_unit("无害化处理率是多少", named=True) == "" and asked_unit("要建多少个", named=True) == "个"


def test_what_a_question_divides_by_and_what_it_counts():
    from assistant.figures import counted_noun, per_units

    assert per_units("老楼加装电梯，政府每台给多少补贴") == {"台"} and per_units("每个月能领多少钱") == {"个月"}
    assert per_units("每个县要建几个") == set()  # 每个 is "each"
    assert counted_noun("老旧小区要加装多少部电梯") == "电梯" and counted_noun("要建多少个") == ""


def test_the_general_classifier_stands_in_for_a_counting_unit_both_ways():
    from assistant.figures import unit_fits

    assert unit_fits("处", "个") and unit_fits("个", "处") and unit_fits("处", "万个")
    assert not unit_fits("人", "个") and not unit_fits("公里", "个")  # measures are not counted in 个


@pytest.mark.parametrize(
    ("terms", "window", "question", "figure", "modifier"),
    [(["gdp"], "万元GDP用水量下降14%", "GDP是多少", "14%", True),
     (["天数"], "空气质量优良天数比例保持在80%以上", "空气好的天数要占到多少", "80%以上", False),  # a share asked
     (["天数"], "空气质量优良天数比例保持在80%以上", "优良天数有多少天", "80%以上", True),
     (["药"], "设立家庭过期药品定点回收药店400家以上", "过期的药会设多少家", "400家以上", False),  # 药店 is a word
     (["业务"], "26项户籍业务办理", "能办多少项业务", "26项", False),  # the figure counts the 业务
     (["公园"], "人均公园绿地面积达到15平方米以上", "人均多大面积的公园", "15平方米以上", False)],  # 面积 asked
)
def test_a_head_noun_before_another_noun_is_a_modifier_unless_the_question_asks_that_noun(
        terms, window, question, figure, modifier):
    from assistant.figures import head_is_modifier

    assert head_is_modifier(terms, window, question, figure) is modifier


def test_a_figure_the_question_prints_is_known_not_asked():
    from assistant.figures import quoted
    from assistant.records import Target

    question = "海东“三峡”生态修复那1.5亿元投资里，省里和市里各出多少？"
    assert quoted(question, Target("1.5亿元", "1.5", "亿元"))
    assert not quoted(question, Target("139公里", "139", "公里"))
    assert not quoted("投资11.5亿元", Target("1.5亿元", "1.5", "亿元"))  # part of another number


def test_a_bound_asked_and_a_bound_printed():
    from assistant.figures import asked_bound, printed_bound
    from assistant.records import Target

    assert asked_bound("大病医疗一年最多能扣多少钱") == "cap"
    assert asked_bound("至少得够本县用几天") == "floor"
    assert asked_bound("残膜回收率要达到多少") == ""
    window = "由纳税人在办理年度汇算清缴时，在80000元限额内据实扣除"
    assert printed_bound(window, Target("80000元", "80000", "元")) == "cap"
    assert printed_bound("累计超过15000元", Target("15000元", "15000", "元")) == "floor"
    assert printed_bound("收取的担保费率原则上不超过1.5%", Target("1.5%", "1.5", "%")) == "cap"
    assert printed_bound("残膜回收率达到87%", Target("87%", "87", "%")) == ""


def test_the_words_a_question_shares_with_a_title_name_the_notice():
    from assistant.figures import title_spans

    title = "国务院办公厅关于有效发挥政府性融资担保基金作用切实支持小微企业和“三农”发展的指导意见"
    rest = title_spans("发挥政府性融资担保基金作用的指导意见，担保机构的平均手续费压到多少", {title})
    assert "融资" not in rest and "担保机构" in rest and "平均手续费" in rest
    assert title_spans("残膜回收率要达到多少", {title}) == "残膜回收率要达到多少"  # shares no run of five


def test_a_needle_quoting_the_lead_line_names_its_work_point():
    from types import SimpleNamespace

    from assistant.evaluate import needle_hit
    from assistant.records import WorkPoint

    point = WorkPoint("17", [], "加强生态气象保障服务建设", "加强生态气象保障服务建设。推进生态监测评估硬件建设。",
                      lead=["市气象局"], responsible=["各县区人民政府", "市政府有关部门"])
    cite = SimpleNamespace(file="x/haidong.txt", point=point)
    assert needle_hit(cite, "haidong.txt", "牵头单位:市气象局")
    assert needle_hit(cite, "haidong.txt", "责任单位:各县区人民政府,市政府有关部门")
    assert not needle_hit(cite, "haidong.txt", "牵头单位:市统计局")


def test_a_year_scopes_to_notices_of_it_or_naming_it_but_a_deadline_year_does_not():
    from types import SimpleNamespace

    from assistant.answering.resolve import _by_year
    from assistant.records import Notice, NoticeInfo

    holidays = Notice(NoticeInfo(title="国务院办公厅关于2019年部分节假日安排的通知", year=2018), [])
    report = Notice(NoticeInfo(title="2025年政府工作报告", year=2025), [])
    plan = Notice(NoticeInfo(title="国务院关于加快推进农业机械化和农机装备产业转型升级的指导意见", year=2018), [])
    scope = [holidays, report, plan]

    def scoped(text: str) -> list[Notice]:
        ctx = SimpleNamespace(q=read(text), services=SimpleNamespace(editions=lambda n: [n]),
                              note_trace=lambda *a, **k: None)
        return _by_year(ctx, scope)

    assert scoped("2019年春节放假是哪几天") == [holidays]  # issued in 2018, named for 2019
    assert scoped("农机装备的指导意见，到2025年农机总动力要稳定在多少") == scope  # a deadline, not an edition
    assert scoped("2025年政府工作报告里城镇新增就业多少人") == [report]
