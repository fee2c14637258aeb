#!/usr/bin/env python3
"""Generate a plausible 2020 edition of the Haidong eco-civilization work points.

Reads 海东市人民政府办公室《关于印发海东市生态文明先行示范区建设2019年度工作要点的通知》
(东政办〔2019〕138号), as saved from the city website, and writes the 2020 edition
(东政办〔2020〕87号) that a held-out benchmark indexes beside it.  The 2019 text is
never stored in the repository; this script only knows the edits.

Edits, as an office would revise its yearly plan:
  * 10 tasks with changed figures (wording otherwise kept);
  * 4 tasks whose 牵头单位 changes, 3 whose 责任单位 list changes;
  * 5 tasks dropped (done in 2019), 6 new tasks;
  * 5 tasks lightly reworded (same figures);
  * everything else unchanged; tasks renumbered consecutively.

The ground truth lives in haidong-2020.truth.json next to this script; `truth()`
rebuilds it from the tables below.

Usage: python3 make_haidong_2020.py SRC OUT
Standard library only (Python 3.11).
"""
from __future__ import annotations

import json
import re
import sys

NUMBER_2019 = "东政办〔2019〕138号"
NUMBER_2020 = "东政办〔2020〕87号"

# ---------------------------------------------------------------- header / frame
# (old, new) exact replacements outside the numbered tasks; each old must occur
# exactly the given number of times.
FRAME_EDITS = [
    ("发文字号: 东政办〔2019〕138号", "发文字号: " + NUMBER_2020, 1),
    ("成文日期: 2019年08月19日 发布日期: 2019年08月19日",
     "成文日期: 2020年07月24日 发布日期: 2020年07月28日", 1),
    ("建设2019年度工作要点的通知", "建设2020年度工作要点的通知", 1),
    ("《海东市生态文明先行示范区建设2019年度工作要点》",
     "《海东市生态文明先行示范区建设2020年度工作要点》", 1),
    # signature date, printed by the site without 年 (kept that way)
    ("\xa020198月16日", "\xa020207月24日", 1),
    ("\n\n2019年度工作要点\n\n", "\n\n2020年度工作要点\n\n", 1),
    ("2019年是为全面建成小康社会收官打下决定性基础的关键之年,"
     "也是我市全面完成生态文明先行示范区建设任务的关键之年,"
     "要坚持以习近平新时代中国特色社会主义思想为指导,"
     "按照省委十三届五中全会和市委二届六次全会精神,",
     "2020年是全面建成小康社会和“十三五”规划收官之年,"
     "也是我市全面完成生态文明先行示范区建设任务的决胜之年,"
     "要坚持以习近平新时代中国特色社会主义思想为指导,"
     "深入贯彻习近平生态文明思想和黄河流域生态保护和高质量发展座谈会精神,"
     "按照省委十三届七次全会和市委二届八次全会精神,", 1),
    ("加快推动全市2019年生态文明建设工作任务落到实处",
     "加快推动全市2020年生态文明建设工作任务落到实处", 1),
]

# ---------------------------------------------------------------- task edits
# 2019 task number -> list of (old, new) replacements inside that task's body
# (the part before 牵头单位).  Figures only.
TARGETS = {
    4: [("完成30.89万亩高标准农田建设任务", "完成35万亩高标准农田建设任务")],
    8: [("投资1.5亿元实施", "投资2亿元实施"),
        ("年内完成南北两山人工造林2.49万亩", "年内完成南北两山人工造林3万亩")],
    11: [("绿化覆盖率达到40%", "绿化覆盖率达到42%")],
    25: [("力争全市单位GDP能耗下降0.1%", "力争全市单位GDP能耗下降0.3%"),
         ("《2019年青海省淘汰落后产能工作方案》", "《2020年青海省淘汰落后产能工作方案》"),
         ("淘汰146.5蒸吨燃煤锅炉", "淘汰98蒸吨燃煤锅炉")],
    26: [("农田灌溉有效利用系数达到0.543", "农田灌溉有效利用系数达到0.55")],
    28: [("推广测土配方施肥160万亩", "推广测土配方施肥180万亩")],
    31: [("空气质量优良天数比例保持在80%以上", "空气质量优良天数比例保持在85%以上")],
    37: [("残膜回收率达到87%", "残膜回收率达到90%")],
    43: [("重点实施好300个村的环境连片整治项目", "重点实施好350个村的环境连片整治项目")],
    59: [("《2018年海东市绿色发展年度评价结果公报》", "《2019年海东市绿色发展年度评价结果公报》")],
}

# 2019 task number -> (old 牵头单位 value, new value)
LEAD = {
    14: ("市水务局、市生态环境局", "市水务局"),
    22: ("市工业信息化局", "市发展改革委"),
    46: ("市发展改革委、市住房建设局", "市住房建设局、市生态环境局"),
    55: ("市生态环境局", "市发展改革委"),
}

# 2019 task number -> (old 责任单位 value, new value)
RESPONSIBLE = {
    13: ("各县区人民政府,市发展改革委、市财政局、市自然资源规划局、市农业农村局、市生态环境局",
         "各县区人民政府,市发展改革委、市财政局、市自然资源规划局、市农业农村局"),
    29: ("各县区人民政府,市财政局", "各县区人民政府,市财政局、市农业农村局"),
    35: ("各县区人民政府,市工业信息化局", "各县区人民政府,市工业信息化局、市住房建设局"),
}

# 2019 task number -> replacements; wording only, figures untouched
REWORDED = {
    12: [("全面推进湟水规模化林场建设项目。", "持续推进湟水规模化林场建设项目。"),
         ("等县区人工营造乔木林任务,探索", "等县区年度人工营造乔木林任务,深入探索")],
    18: [("全面推进园区循环化改造。结合实际发展,", "深入推进园区循环化改造。结合园区发展实际,"),
         ("加快工业污水处理厂建设进度。", "加快推进工业污水处理厂建设。")],
    38: [("落实好全省“三线一单”,", "全面落实全省“三线一单”,"),
         ("分区管控要求,做好构建以“三线一单”为核心的全省生态环境分区管控体系配合工作。",
          "分区管控要求,配合做好以“三线一单”为核心的全省生态环境分区管控体系构建工作。")],
    42: [("完成核心城区地下综合管廊工程建设,全面建成地下综合管廊建设工程,"
          "推进已建成廊段管线入廊工作,早日运营,",
          "巩固核心城区地下综合管廊建设成果,加快推进已建成廊段管线入廊工作,"
          "尽早投入运营,")],
    51: [("积极开展生态环境教育科普“五进”", "深入开展生态环境教育科普“五进”"),
         ("大力倡导绿色价值观。", "广泛倡导绿色价值观。")],
}

DROPPED = [7, 9, 21, 33, 40]

# new tasks: (insert after this 2019 task, body, 牵头单位, 责任单位)
NEW = [
    (2,
     "推进黄河流域生态保护和高质量发展。深入贯彻落实黄河流域生态保护和高质量发展重大国家战略,"
     "配合省上编制黄河流域青海段生态保护和高质量发展规划,启动编制《海东市黄河流域生态保护和高质量发展实施方案》。"
     "谋划储备一批生态保护修复、水资源节约集约利用、河湟文化保护传承等重大项目,"
     "年内争取纳入国家和省级规划储备库项目50个以上。",
     "市发展改革委",
     "各县区人民政府,市自然资源规划局、市生态环境局、市水务局、市林草局、市文体旅游广电局"),
    (11,
     "推进自然保护地体系建设。开展全市自然保护地摸底调查和评估论证,制定自然保护地整合优化方案,"
     "推进孟达国家级自然保护区、北山国家森林公园等自然保护地勘界立标,"
     "年内完成3处自然保护地勘界立标工作。",
     "市林草局",
     "相关县区人民政府,市自然资源规划局、市生态环境局"),
    (23,
     "推进新能源产业发展。积极推进乐都、民和、化隆等地光伏发电和风电项目建设,"
     "加快分散式风电和光伏扶贫电站并网运行,年内新增新能源装机容量20万千瓦以上。",
     "市发展改革委",
     "相关县区人民政府,国网海东供电公司"),
    (39,
     "推进城镇污水处理提质增效。加快县城污水处理厂提标改造和配套管网建设,推进城镇雨污分流改造,"
     "城市生活污水集中收集率达到70%以上,县城污水处理率达到93%以上。",
     "市住房建设局",
     "各县区人民政府,市生态环境局、市水务局"),
    (43,
     "推进城市生活垃圾分类。在海东市中心城区开展生活垃圾分类示范,建成生活垃圾分类示范小区20个,"
     "党政机关等公共机构率先实行生活垃圾强制分类,公共机构生活垃圾分类覆盖率达到100%。",
     "市住房建设局",
     "平安区、乐都区人民政府,市机关事务管理局、市教育局、市商务局"),
    (56,
     "推进自然资源资产负债表编制和离任审计。编制海东市2019年度自然资源资产负债表,"
     "开展领导干部自然资源资产离任审计,年内完成3个县区领导干部自然资源资产离任审计试点。",
     "市审计局、市统计局",
     "各县区人民政府,市自然资源规划局、市生态环境局、市水务局、市林草局"),
]

TASK_START = re.compile(r"^(\d+)\. ", re.M)
HEADING = re.compile(r"^\([一二三四五六七八九十]+\)\S+$")


def _parse(text: str):
    """Split into prefix, [(number, block)], separators, suffix.

    A block runs from the 'N. ' line to the end of its 责任单位 line.  Every
    separator between blocks is '\n\n' or '\n\n(X)heading\n\n'.
    """
    starts = [m for m in TASK_START.finditer(text)]
    if [int(m.group(1)) for m in starts] != list(range(1, 60)):
        raise ValueError("expected tasks 1..59 in order")
    prefix = text[: starts[0].start()]
    blocks, seps = [], []
    for i, m in enumerate(starts):
        j = text.index("\n责任单位:", m.start())
        end = text.index("\n", j + 1)
        nxt = starts[i + 1].start() if i + 1 < len(starts) else None
        if nxt is not None and end > nxt:
            raise ValueError(f"task {m.group(1)} has no 责任单位 line")
        blocks.append((int(m.group(1)), text[m.start(): end]))
        if nxt is not None:
            sep = text[end:nxt]
            core = sep.strip("\n")
            if core and not HEADING.match(core):
                raise ValueError(f"unexpected text after task {m.group(1)}: {core!r}")
            seps.append(core)  # '' or the heading
    suffix = text[end:]
    return prefix, blocks, seps, suffix


def _replace_once(s: str, old: str, new: str, where: str, count: int = 1) -> str:
    n = s.count(old)
    if n != count:
        raise ValueError(f"{where}: {old!r} found {n} times, expected {count}")
    return s.replace(old, new)


def _split_units(block: str):
    body, rest = block.split("\n\n牵头单位:", 1)
    lead, resp = rest.split("\n\n责任单位:", 1)
    return body, lead, resp


def _join_units(body: str, lead: str, resp: str) -> str:
    return f"{body}\n\n牵头单位:{lead}\n\n责任单位:{resp}"


def _edit_task(n: int, block: str) -> str:
    body, lead, resp = _split_units(block)
    for old, new in TARGETS.get(n, []) + REWORDED.get(n, []):
        body = _replace_once(body, old, new, f"task {n}")
    if n in LEAD:
        old, new = LEAD[n]
        if lead != old:
            raise ValueError(f"task {n}: lead is {lead!r}, expected {old!r}")
        lead = new
    if n in RESPONSIBLE:
        old, new = RESPONSIBLE[n]
        if resp != old:
            raise ValueError(f"task {n}: responsible is {resp!r}, expected {old!r}")
        resp = new
    return _join_units(body, lead, resp)


def _plan():
    """Ordered 2020 items: ('heading', text) | ('old', n2019) | ('new', index)."""
    items = []
    new_after = {a: i for i, (a, *_r) in enumerate(NEW)}
    for n in range(1, 60):
        if n not in DROPPED:
            items.append(("old", n))
        if n in new_after:
            items.append(("new", new_after[n]))
        if n < 59:
            items.append(("sep", n))
    return items


def renumber_map():
    """{2019 number: 2020 number} for kept tasks, {new index: 2020 number}."""
    m, newnums, k = {}, {}, 0
    for kind, v in _plan():
        if kind == "old":
            k += 1
            m[v] = k
        elif kind == "new":
            k += 1
            newnums[v] = k
    return m, newnums


def build(text: str) -> str:
    prefix, blocks, seps, suffix = _parse(text)
    blockd = dict(blocks)
    for old, new, cnt in FRAME_EDITS:
        prefix = _replace_once(prefix, old, new, "header", cnt)
    out_items = []  # list of strings joined by '\n\n'
    k = 0
    for kind, v in _plan():
        if kind == "sep":
            if seps[v - 1]:
                out_items.append(seps[v - 1])
            continue
        k += 1
        if kind == "old":
            blk = _edit_task(v, blockd[v])
            blk = re.sub(r"^\d+\. ", f"{k}. ", blk, count=1)
        else:
            _a, body, lead, resp = NEW[v]
            blk = _join_units(f"{k}. {body}", lead, resp)
        out_items.append(blk)
    out = prefix + "\n\n".join(out_items) + suffix
    # sanity: consecutive numbering, every task has both unit lines
    nums = [int(x) for x in TASK_START.findall(out)]
    if nums != list(range(1, len(nums) + 1)) or len(nums) != 59 - len(DROPPED) + len(NEW):
        raise ValueError(f"bad numbering: {nums}")
    if out.count("\n牵头单位:") != len(nums) or out.count("\n责任单位:") != len(nums):
        raise ValueError("unit lines do not match task count")
    if "2019年度工作要点" in out or NUMBER_2019 in out:
        raise ValueError("2019 title or number left in the 2020 edition")
    return out


def truth() -> dict:
    ren, newnums = renumber_map()
    changed = []
    for n in sorted(set(TARGETS) | set(LEAD) | set(RESPONSIBLE)):
        for old, new in TARGETS.get(n, []):
            changed.append({"task_2019": n, "task_2020": ren[n], "field": "targets",
                            "old": old, "new": new})
        if n in LEAD:
            changed.append({"task_2019": n, "task_2020": ren[n], "field": "lead",
                            "old": LEAD[n][0], "new": LEAD[n][1]})
        if n in RESPONSIBLE:
            changed.append({"task_2019": n, "task_2020": ren[n], "field": "responsible",
                            "old": RESPONSIBLE[n][0], "new": RESPONSIBLE[n][1]})
    return {
        "number_2019": NUMBER_2019,
        "number_2020": NUMBER_2020,
        "changed": changed,
        "new": sorted(newnums.values()),
        "dropped": sorted(DROPPED),
        "reworded": [[n, ren[n]] for n in sorted(REWORDED)],
        "renumber": {str(a): b for a, b in sorted(ren.items())},
    }


def make(src_path: str, out_path: str) -> None:
    with open(src_path, encoding="utf-8") as f:
        text = f.read()
    out = build(text)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(out)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--truth":
        print(json.dumps(truth(), ensure_ascii=False, indent=1))
    elif len(sys.argv) == 3:
        make(sys.argv[1], sys.argv[2])
    else:
        sys.exit("usage: make_haidong_2020.py SRC OUT   (or --truth)")
