"""What a question asks, read from its own wording: its language, kind, named task, unit and scope.

The cues below are the ordinary ways Chinese and English ask for a figure, a lead unit, a
list or the notice's own details; nothing here names a topic or a task of any notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.parse.structure import CN_NUM, cn_to_int

FIGURE = re.compile(
    r"多少|几[个项座家所条处台辆万亿千百]?|多长|多大|多高|多宽|多远|比例|比重|百分之|目标值|指标|达到什么|什么水平|"
    r"率(?:的)?目标|率$|目标是|"
    r"what percentage|how many|how much|how long|how far|what (?:is the )?(?:target|rate|share|proportion)",
    re.I,
)
LEAD = re.compile(
    r"谁牵头|谁负责|由谁|哪个(?:部门|单位)|哪些(?:部门|单位)|牵头(?:单位|部门)|责任(?:单位|部门)|负责(?:单位|部门)|"
    r"配合(?:单位|部门)|谁来|归谁|who (?:leads|is responsible|handles|is in charge)|which (?:department|unit|agency|bureau)|"
    r"responsible (?:unit|department)|lead (?:unit|department)",
    re.I,
)
LIST = re.compile(r"哪些|有什么|有哪|都有|都是|分别|清单|列出|列举|所有|全部|which tasks|what tasks|list|all (?:the )?tasks", re.I)
ROLE_WORDS = {"牵头": "牵头", "主责": "牵头", "负责": "负责", "参与": "参与", "配合": "配合", "协助": "配合", "指导": "指导"}
#: A person's own errand or outing: how to get something done ("身份证丢了怎么补办", "需要带哪些
#:材料") or where to go for it ("周末去哪里玩", "哪里可以打羽毛球"). A service guide's questions,
#: which policy notices answer only where they name the thing itself.
PROCEDURE = re.compile(
    r"补办|换证|(?:带|准备|提交|提供)(?:哪些|什么)(?:材料|证件)|需要(?:哪些|什么)材料|去哪(?:里|儿)?办|"
    r"(?:怎么|怎样|如何)(?:办理|申请|报名|投诉|报销|提取|挂号|缴纳)|向哪个部门(?:投诉|举报|反映)|"
    r"去哪(?:里|儿)?(?:玩|吃|逛|旅游|爬山)|哪里(?:可以|能)?(?:玩|吃|买|打|逛)|附近有什么|"
    r"how (?:do|can) i (?:apply|renew|get|replace|register)|where (?:can|should) i (?:go|buy|eat)",
    re.I,
)
COUNT = re.compile(r"(多少|几)(项|个|条)(任务|工作|措施|工作要点|要点)|任务(总)?数|how many (?:tasks|work points|items)", re.I)
NUMBER_Q = re.compile(r"文号|发文字号|文件号|字号|document number", re.I)
ISSUER_Q = re.compile(r"发文机关|哪个(?:单位|部门|机关)(?:印发|发布|发的|制定)|谁(?:印发|发布|发的)|印发单位|who issued|issuer", re.I)
DATE_Q = re.compile(r"成文日期|发布日期|印发日期|什么时候(?:印发|发布|成文|出台)|哪天(?:印发|发布)|when was .*(?:issued|published)", re.I)
TASK_NO = re.compile(rf"第\s*([\d{CN_NUM}]+)\s*(项|条|点|个)|(?:task|item|point)\s*(?:no\.?\s*)?(\d+)", re.I)
#: The notice's tasks taken together: a question about reporting or deadlines for all of them.
COLLECTIVE = re.compile(r"各项(工作)?任务|全部任务|所有任务|工作任务完成|任务完成情况|完成情况.{0,6}(报|交|送)|all (?:the )?tasks", re.I)
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
#: A question about how one edition of a notice differs from another.
COMPARE = re.compile(
    r"相比|对比|比较|较上年|与上年|比去年|和去年|今年新增|新增了|新增的|新加|删去|删除|去掉|取消了|不再|"
    r"有什么变化|有哪些变化|有何变化|变化了|调整了哪些|what(?:'s| is) new|compared|changed|dropped",
    re.I,
)
DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass
class Question:
    """A question and what its wording says about the answer it wants."""

    text: str
    english: bool
    figure: bool
    lead: bool
    listing: bool
    count: bool
    meta: list[str] = field(default_factory=list)
    task_number: int | None = None
    year: int | None = None
    doc_number: str = ""
    roles: list[str] = field(default_factory=list)
    collective: bool = False
    compare: bool = False
    years: list[int] = field(default_factory=list)
    #: Its last clause asks for a figure and nothing else ("…覆盖率要达到多少？"), rather than asking
    #: one in passing ("排多少有没有总量限制？"): when the notices print no such figure, they do not answer it.
    figure_last: bool = False
    #: It asks how a person gets something done, or where to go for it (:data:`PROCEDURE`).
    procedure: bool = False


def is_english(text: str) -> bool:
    """Asked in English: more than twice as many Latin letters as Chinese characters."""
    return len(_LATIN.findall(text)) > 2 * len(_CJK.findall(text))


def read_question(text: str) -> Question:
    """Read a (checked) question's cues."""
    english = is_english(text)
    meta = [name for name, pattern in (("number", NUMBER_Q), ("issuer", ISSUER_Q), ("date", DATE_Q)) if pattern.search(text)]
    task_number = None
    m = TASK_NO.search(text)
    if m:
        raw = m.group(1) or m.group(3)
        task_number = int(raw) if raw.isdigit() else cn_to_int(raw)
    year = YEAR.search(text)
    doc = DOC_NUMBER.search(text)
    return Question(
        text=text,
        english=english,
        figure=bool(FIGURE.search(text)) and not COUNT.search(text),
        lead=bool(LEAD.search(text)),
        listing=bool(LIST.search(text)),
        count=bool(COUNT.search(text)) and task_number is None,
        meta=meta,
        task_number=task_number,
        year=int(year.group(1)) if year else None,
        doc_number=re.sub(r"\s+", "", doc.group(0)) if doc else "",
        roles=[role for word, role in ROLE_WORDS.items() if word in text],
        collective=bool(COLLECTIVE.search(text)),
        figure_last=_asks_figure_last(text, english=english),
        procedure=bool(PROCEDURE.search(text)),
        compare=bool(COMPARE.search(text)),
        years=[int(y) for y in YEAR.findall(text)],
    )


def _asks_figure_last(text: str, english: bool) -> bool:
    """Whether the question's last clause asks for the figure and nothing else (…要控制在多少微克以内？)."""
    if english:
        return bool(FIGURE.search(text))
    clauses = [c for c in re.split(r"[，,；;：:\s]+", re.sub(r"[？?。！!]+", " ", text)) if c]
    last = clauses[-1] if clauses else ""
    return bool(FIGURE.search(last)) and not _OTHER_ASK.search(last)


#: Question words that ask something besides a figure ("排多少有没有总量限制", "考几个证吗").
_OTHER_ASK = re.compile(r"有没有|会不会|能不能|是不是|要不要|怎么|如何|吗|呢")
