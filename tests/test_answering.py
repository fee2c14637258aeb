"""The answer layer end to end on real indexes: editions, comparisons in any phrasing, conversations,
loose input, refusals, and the local reports (places, years, task lists). Real model, real notices."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, open_assistant

TRUTH = json.loads((ROOT / "benchmarks" / "editions" / "haidong-2020.truth.json").read_text(encoding="utf-8"))
Y2019, Y2020 = TRUTH["number_2019"], TRUTH["number_2020"]


@pytest.fixture(scope="module")
def editions(editions_index, embedder):
    return open_assistant(editions_index, embedder)


@pytest.fixture(scope="module")
def seed(seed_index, embedder):
    return open_assistant(seed_index, embedder)


@pytest.fixture(scope="module")
def full(full_index, embedder):
    return open_assistant(full_index, embedder)


@pytest.fixture(scope="module")
def local(local_index, embedder):
    return open_assistant(local_index, embedder)


def items(answer, number: str | None = None) -> list[str]:
    return [c.point.item for c in answer.citations if number is None or c.doc.number == number]


# ---------------------------------------------------------------------------------------- editions
def test_a_figure_with_no_year_comes_from_the_latest_edition_with_the_other_beside_it(editions):
    a = editions.ask("残膜回收率要达到多少")
    assert a.kind == "figure" and a.answer.startswith("**90%**（2020年；2019年为87%）")
    assert a.citations[0].doc.number == Y2020
    old = editions.ask("2019年残膜回收率要达到多少")
    assert old.answer.startswith("**87%**") and old.citations[0].doc.number == Y2019


def test_a_lead_that_changed_is_said_beside_the_latest(editions):
    a = editions.ask("数字经济由哪个部门牵头")
    assert a.citations[0].doc.number == Y2020 and "市发展改革委" in a.answer and "2019年为市工业信息化局" in a.answer


@pytest.mark.parametrize(
    ("question", "new", "dropped"),
    [
        ("2020年比2019年新增了哪些任务？", set(TRUTH["new"]), set()),
        ("What's new in 2020?", set(TRUTH["new"]), set()),
        ("2020年删掉了哪些工作？", set(), set(TRUTH["dropped"])),
        ("今年和去年比，取消了哪些任务", set(), set(TRUTH["dropped"])),
    ],
)
def test_new_and_dropped_tasks_in_any_phrasing(editions, question, new, dropped):
    a = editions.ask(question)
    assert a.kind == "compare" and a.found
    assert {int(i) for i in items(a, Y2020)} == new
    assert {int(i) for i in items(a, Y2019)} == dropped


@pytest.mark.parametrize(
    "question",
    ["今年的工作要点和去年比，目标有什么调整", "2020年和2019年相比，哪些任务的目标变了", "What changed between the 2019 and 2020 work points?"],
)
def test_changed_targets_in_any_phrasing(editions, question):
    a = editions.ask(question)
    pairs = {(c.point.item) for c in a.citations if c.doc.number == Y2020}
    truth = {str(c["task_2020"]) for c in TRUTH["changed"] if c["field"] == "targets" and c["task_2020"] != 60}
    assert a.kind == "compare" and truth <= pairs  # 59 → 60 only moves the year of a report it names
    assert "87% → 90%" in a.answer and "0.543 → 0.55" in a.answer


def test_a_comparison_confined_to_a_unit_or_a_topic(editions):
    a = editions.ask("市林草局的任务今年和去年比有什么变化")
    assert a.kind == "compare" and all("市林草局" in (c.point.lead + c.point.responsible) for c in a.citations)
    assert "11" in items(a, Y2020)  # the new 自然保护地 task the 林草局 leads
    water = editions.ask("关于地下水的任务今年有什么变化")
    assert items(water, Y2019) == ["33"] and "删去 **1** 项" in water.answer


def test_a_follow_up_year_asks_the_same_question_of_that_edition(editions):
    conv = editions.conversation()
    assert conv.ask("残膜回收率要达到多少").answer.startswith("**90%**")
    again = conv.ask("2019年呢？")
    assert again.answer.startswith("**87%**") and again.citations[0].doc.number == Y2019


# ---------------------------------------------------------------------------------------- conversation
def test_follow_ups_about_a_task_a_unit_and_an_item_of_a_list(seed):
    conv = seed.conversation()
    first = conv.ask("第37项是什么内容")
    assert items(first) == ["37"]
    units = conv.ask("那它的责任单位呢？")
    assert items(units) == ["37"] and "市农业农村局" in units.answer
    conv.reset()
    forest = conv.ask("市林草局牵头哪些任务？")
    assert set(items(forest)) == {"8", "10", "11", "12", "29", "57"}
    water = conv.ask("那市水务局呢？")
    assert water.kind == "unit" and "市水务局" in water.answer and "13" in items(water)
    second = conv.ask("第二个呢？")
    assert items(second) == [items(water)[1]]


def test_a_follow_up_pointing_at_one_of_many_asks_which(seed):
    conv = seed.conversation()
    conv.ask("哪些工作涉及水？")
    a = conv.ask("那它的牵头单位呢？")
    assert a.kind == "clarify" and not a.found and "哪一项" in a.answer


def test_assistant_chat_reads_a_conversation_from_standard_input(seed_index):
    lines = "第37项是什么内容\n那它的责任单位呢？\n\n那它的责任单位呢？\n"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "chat", "--index", str(seed_index), "--json"],
                         input=lines, capture_output=True, text=True, env=env, timeout=300, check=True)
    answers = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(answers) == 3
    assert answers[1]["citations"][0]["item"] == "37" and "市农业农村局" in answers[1]["answer"]
    assert answers[2]["kind"] != "task" or answers[2]["citations"][0]["item"] != "37"  # a new conversation


# ---------------------------------------------------------------------------------------- loose input
@pytest.mark.parametrize(
    ("question", "item", "must"),
    [
        ("城市綠地率要達到多少？", "11", "40%"),  # traditional characters
        ("厕所革名谁牵头", "44", "市卫生健康委"),  # a homophone slip
        ("ＰＭ２.５浓度要下降多少", "31", "15%"),  # full-width forms
    ],
)
def test_loose_input_finds_what_exact_input_finds(full, question, item, must):
    a = full.ask(question)
    assert a.found and items(a)[0] == item and must in a.answer


def test_a_loosely_named_unit_is_read_as_the_printed_one_and_said(seed):
    a = seed.ask("林业局牵头哪些任务")
    assert a.kind == "unit" and "市林草局" in a.answer and "没有找到" in a.answer
    assert set(items(a)) == {"8", "10", "11", "12", "29", "57"}
    en = seed.ask("Which tasks does the forestry and grassland bureau lead?")
    assert en.kind == "unit" and set(items(en)) == {"8", "10", "11", "12", "29", "57"}


# ---------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "question", ["asdfghjkl qwerty", "How do I bake bread?", "今天天气怎么样", "身份证丢了怎么补办", "海东市的市长是谁？"]
)
def test_everyday_and_nonsense_questions_are_refused(full, question):
    a = full.ask(question)
    assert not a.found and a.citations == []


def test_a_doc_number_not_indexed_is_said_not_indexed(full):
    a = full.ask("国办发〔2019〕999号一共有多少项任务？")
    assert not a.found and "国办发〔2019〕999号" in a.answer and "东政办〔2019〕138号" in a.answer
    assert "59" not in a.answer.split("已索引")[0]


def test_a_lone_surrogate_is_answered_or_refused_never_a_crash(full):
    a = full.ask("残膜回收率\ud800要达到多少")
    assert a.found and "87%" in a.answer
    assert full.ask("\udcff").kind == "invalid"


def test_the_refusal_cut_is_set_for_each_index(seed_index, full_index):
    from assistant.index import read_manifest

    cuts = [read_manifest(ix)["calibration"]["cut"] for ix in (seed_index, full_index)]
    assert all(set(c) == {"zh", "en"} for c in cuts)
    assert cuts[0] != cuts[1]


# ---------------------------------------------------------------------------------------- local reports
def test_a_city_and_year_pick_their_report_and_its_task_list(local):
    a = local.ask("成都2019年三级天府绿道要建成多少公里")
    assert a.answer.startswith("**800公里**") and "chengdu-2019" in a.citations[0].file
    tasks = local.ask("济南2017年市市政公用局负责哪几件实事")
    assert {c.point.title for c in tasks.citations} == {"改造供水低压片区", "打通丁字路、瓶颈路", "整治城区道路积水点"}


def test_a_year_a_family_has_no_edition_of_is_said_missing(local):
    a = local.ask("成都2020年十大民生实事有哪些")
    assert not a.found and a.citations == [] and "2021" in a.answer and "2019" in a.answer


def test_no_year_named_answers_from_the_latest_report_holding_the_task(local):
    a = local.ask("成都新生儿疾病免费筛查率要达到多少")
    assert "98%" in a.answer and "chengdu-2024" in a.citations[0].file


def test_two_editions_of_one_task_side_by_side(local):
    a = local.ask("人防应急包那件实事，成都2022年和2023年的牵头单位一样吗")
    assert a.kind == "compare" and "市人防办" in a.answer and "市国动办" in a.answer


def test_a_unit_with_a_bracketed_executing_body_is_one_unit(local):
    a = local.ask("成都2022年市应急局牵头的民生实事有哪些")
    assert a.kind == "unit" and len(a.citations) == 5


def test_a_figure_asked_in_everyday_words_comes_from_the_best_task(local):
    a = local.ask("成都2024年推广的那个补充医疗保险，要让多少市民参保")  # 惠蓉保, 覆盖市民不少于460万人
    assert a.kind == "figure" and a.answer.startswith("**460万人**") and "chengdu-2024" in a.citations[0].file
    b = local.ask("济南2016年微信上能办几项户口业务")  # 26项户籍业务: the figure counts the 业务 after it
    assert b.answer.startswith("**26项**")


@pytest.mark.parametrize(
    "question",
    ["巴彦淖尔今年老旧小区要加装多少部电梯",  # 老旧小区改造49个 counts 小区, not 电梯
     "成都2024年自主增设电梯的老住宅，每台可以拿多少补贴",  # 增设电梯800台 is what the subsidy is per
     "济南城市生活垃圾无害化处理率是多少"],  # a rate: 更新垃圾桶6000个 is no answer
)
def test_a_count_of_another_thing_is_no_answer(local, question):
    a = local.ask(question)
    assert not a.found and a.citations == []


def test_a_bound_asked_takes_the_figure_printed_as_that_bound(full):
    a = full.ask("专项附加扣除里看大病花的钱，每年最多能扣除多少")  # 超过15000元的部分…在80000元限额内
    assert a.kind == "figure" and a.answer.startswith("**80000元**")


def test_a_rate_asked_may_be_printed_as_a_bare_ratio(seed):
    a = seed.ask("农田灌溉用水的利用效率要提高到多少")  # 农田灌溉有效利用系数达到0.543, not 用水量下降12%
    assert a.answer.startswith("**0.543**") and items(a)[0] == "26"


def test_a_figure_the_question_names_is_not_its_answer(seed, local):
    a = seed.ask("三峡生态修复的1.5亿元里，县区要配套多少钱")  # no share of the 1.5亿元 is printed
    assert not a.found and a.citations == []
    b = local.ask("成都2021年那5座垃圾压缩转运站建成后，日收运能力新增多少")  # the figure beside it in its sentence
    assert b.answer.startswith("**2600吨**")
    c = local.ask("成都2021年那300个老旧小区改造，一共惠及多少户居民")  # 棚户区改造3687户 is another thing's
    assert not c.found and c.citations == []


@pytest.mark.parametrize("question", ["我想在海东办理驾驶证换证，要准备哪些材料", "南京今年地铁要新开几条线"])
def test_an_errand_listed_and_another_city_this_year_are_refused(full, question):
    a = full.ask(question)  # a topic list by meaning alone must pass coverage; 南京今年 scopes to 南京
    assert not a.found and a.citations == []


def test_a_place_name_inside_the_question_before_this_year_is_no_scope(full):
    a = full.ask("南北两山今年要造林多少亩")  # jieba reads 两山 as a place; only a question's opening place scopes
    assert a.answer.startswith("**2.49万亩**") and items(a)[0] == "8"


def test_a_question_asking_when_quotes_the_sentence_that_prints_the_time(full):
    a = full.ask("城镇小区配套幼儿园的摸底排查什么时候要完成")
    assert a.found and "2019年4月底前" in a.answer and a.citations[0].doc.number == "国办发〔2019〕3号"


def test_a_year_a_notice_is_named_for_finds_it_though_issued_the_year_before(full):
    a = full.ask("2019年春节放几天假")  # 国办发明电〔2018〕15号, 关于2019年部分节假日安排的通知
    assert a.found and a.citations[0].doc.number == "国办发明电〔2018〕15号"
