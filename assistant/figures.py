"""Which printed figure answers a question such as "残膜回收率要达到多少".

A work point often prints several figures in one sentence ("粮食生产功能区41万亩、重要农产品生产保护区
42万亩"; "化肥…施用量减少3%，农药施用量减少5%"). Each figure owns the words around it: back to the
previous figure or clause break and on to the next. The figure whose words cover most of the
question's words wins; one whose words hold the question's head noun only as a modifier of
another noun (GDP in "万元GDP用水量下降14%") does not answer "GDP是多少".
"""

from __future__ import annotations

import re

from assistant.records import Target, WorkPoint

#: Least share of the question's words a figure's surroundings must hold to answer it.
MIN_COVERAGE = 0.34
#: Score lost per rank of the work point the figure stands in.
RANK_PENALTY = 0.05
_DELIM = re.compile(r"[，,；;。：:（）()]")


def coverage(terms: list[str], text: str) -> float:
    """Share of the question's content characters (word by word) that the text contains."""
    if not terms:
        return 1.0
    text = text.lower()
    return sum(len(t) for t in terms if t in text) / sum(len(t) for t in terms)


def target_window(text: str, t: Target, targets: list[Target]) -> str:
    """The words a figure owns: from the previous target or clause break to the next one."""
    i = text.find(t.text)
    if i < 0:
        return ""
    start = max(text.rfind(c, 0, i) for c in "，,；;。、") + 1
    ends = [j + len(o.text) for o in targets if o.text != t.text for j in [text.rfind(o.text, start, i)] if j >= 0]
    start = max([start, *ends])
    end = i + len(t.text)
    m = _DELIM.search(text, end)
    stop = m.start() if m else len(text)
    nxt = [j for j in [text.find("、", end), *(text.find(o.text, end) for o in targets)] if j >= 0]
    return text[start : min([stop, *nxt])]


def head_is_modifier(terms: list[str], window: str) -> bool:
    """The question's last noun stands in the window only before another noun (GDP in GDP用水量)."""
    import jieba.posseg as pseg

    if not terms:
        return False
    nouns = [t for t in terms if any(f.startswith(("n", "eng")) for _, f in pseg.lcut(t))]
    head = (nouns or terms)[-1]
    i = window.lower().rfind(head)
    if i < 0:
        return False
    words = [(w, f) for w, f in pseg.lcut(window[i + len(head) :]) if w.strip()]
    if not words:
        return False
    word, flag = words[0]
    return flag.startswith("n") and word not in "".join(terms) and not re.match(r"\d", word)


def best_target(terms: list[str], points: list[WorkPoint]) -> tuple[Target, int] | None:
    """The figure answering a question with these content words, among work points best first.

    Returns:
        The target and the index of its work point in ``points``; None when no figure's words
        hold enough of the question (:data:`MIN_COVERAGE`).
    """
    best: tuple[float, Target, int] | None = None
    for rank, p in enumerate(points):
        for t in p.targets:
            window = target_window(p.text, t, p.targets)
            if not window or head_is_modifier(terms, window):
                continue
            score = coverage(terms, window) - RANK_PENALTY * rank
            if best is None or score > best[0]:
                best = (score, t, rank)
    if best is None or best[0] < MIN_COVERAGE:
        return None
    return best[1], best[2]
