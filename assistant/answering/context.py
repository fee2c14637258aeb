"""A question in the middle of being answered, and the small helpers every answerer composes with.

:class:`Context` carries the read question, the notices it may draw on, what it names in the
index (units, a work point from an earlier turn), the retrieval (run once, on first use) and the
trace ``assistant ask --explain`` prints. The helpers turn records into the pieces of an answer:
how a work point is named (``第37项``), its citation, the sentence quoted from it, who does it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant import vocab
from assistant.index import clause_texts
from assistant.parse.targets import sentences
from assistant.records import Answer, Citation, Hit, Notice, WorkPoint

if TYPE_CHECKING:
    from assistant.answering.question import Question
    from assistant.answering.services import Services
    from assistant.directory import UnitEntry

Entry = tuple[Notice, WorkPoint]
#: Further citations for a single answer: hits within this fused score (z units) of the best one, at most CITE_MAX.
CITE_MARGIN = 2.0
CITE_MAX = 5


@dataclass
class Context:
    """One question being answered: what it asks, where it may look, and what was decided so far."""

    q: Question
    services: Services
    scope: list[Notice]
    #: The question's content words (jieba, stopwords out), and those of them that name a topic.
    words: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    #: Units the question names, and near-miss suggestions when it names none exactly.
    units: list[UnitEntry] = field(default_factory=list)
    suggested: list[UnitEntry] = field(default_factory=list)
    #: The department filter of the app or the API, when one is set.
    unit_filter: str = ""
    #: Work points an earlier turn settled on ("它的责任单位" asks about these).
    anchor: list[Entry] = field(default_factory=list)
    #: The text searched: the question with a near-miss term corrected ("厕所革名" → 厕所革命).
    search_text: str = ""
    #: Lines put before the answer: how the question was read (a unit substituted, an edition chosen).
    notes: list[str] = field(default_factory=list)
    #: Why the scope itself already answers (a 文号 not indexed): the refusal to give.
    refusal: str = ""
    #: A follow-up that could mean several earlier work points: the question asking which.
    clarify: str = ""
    trace: list[dict[str, Any]] = field(default_factory=list)
    #: When set, only these work points (by row) may answer: the question named a task list (民生实事).
    allowed: set[int] | None = None
    _hits: list[Hit] | None = None
    _covered: bool | None = None
    #: The question's words that may name its figure, once read (:func:`~assistant.answering.answerers.figure.figure_terms`).
    _figure_terms: list[str] | None = field(default=None, repr=False)
    _in_scope: tuple[list[Notice], set[int]] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ retrieval, once
    @property
    def english(self) -> bool:
        return self.q.english

    def hits(self) -> list[Hit]:
        """The ten best work points in scope for the question (run once)."""
        if self._hits is None and not self.q.wants("collective"):
            # Confined by notice (and task list): search their rows, without reading every work point in scope.
            rows = self.services.scope_rows(self.scope)
            if self.allowed is not None:
                rows = sorted(self.allowed if rows is None else self.allowed.intersection(rows))
            self._hits = self.services.searcher.search(self.search_text or self.q.text, k=10, rows=rows)
        if self._hits is None:
            # "各项任务完成情况报送到哪里" asks about the notice's own requirements, not one task: its rows but the
            # numbered tasks (read from the stored task labels, no work point read).
            allowed: set[int] = set()
            tasks: set[int] = set()
            for n in self.scope:
                rows = self.services.notice_rows(n)
                allowed.update(r for r in rows if self.allowed is None or r in self.allowed)
                tasks.update(rows[t.at] for t in n.task_labels)
            if allowed - tasks:
                allowed -= tasks
            text = self.search_text or self.q.text
            self._hits = self.services.searcher.search(text, k=10, rows=sorted(allowed))
        return self._hits

    def in_scope(self) -> set[int]:
        """``id(doc)`` of every notice in scope, worked out once for the scope as it stands."""
        if self._in_scope is None or self._in_scope[0] is not self.scope:
            self._in_scope = (self.scope, {id(n.doc) for n in self.scope})
        return self._in_scope[1]

    def covered(self) -> bool:
        """Whether the notices in scope answer the question at all (:mod:`assistant.answering.coverage`)."""
        if self._covered is None:
            hits = self.hits()
            decision = self.services.coverage.decide(self, hits)
            self._covered = decision.covered
            self.note_trace("coverage", "covered" if decision.covered else "not covered", **decision.detail())
        return self._covered

    def allows(self, point: WorkPoint) -> bool:
        """Whether a work point of a notice in scope may answer (see :attr:`allowed`)."""
        return self.allowed is None or self.services.row(point) in self.allowed

    def note_trace(self, step: str, decision: str, **detail: Any) -> None:
        self.trace.append({"step": step, "decision": decision, **detail})

    def entries(self, hits: list[Hit]) -> list[tuple[Notice, WorkPoint, float]]:
        return [(self.services.notice_of(h.doc), h.point, h.score) for h in hits]

    # ------------------------------------------------------------------ naming
    def several_notices(self) -> bool:
        return len(self.scope) > 1

    def notice_name(self, n: Notice) -> str:
        """A notice as an answer names it: its 文号, else its title, with the year where that tells editions apart."""
        name = n.doc.number or n.doc.title or n.file
        if not n.doc.number and n.doc.year and str(n.doc.year) not in name:
            name = f"{name}（{n.doc.year}年）"
        return name

    def ref(self, n: Notice, p: WorkPoint) -> str:
        """``第37项`` (``Task 37``), naming the notice when more than one is in scope."""
        label = p.ref
        if self.english:
            label = f"Task {p.item}" if p.item.isdigit() else p.item
        if p.part and p.part != "正文" and not self.english:
            label = f"{p.part}{label}"
        return f"{self.notice_name(n)} {label}" if self.several_notices() else label

    def cite(self, n: Notice, p: WorkPoint, quote: str, score: float) -> Citation:
        return Citation(doc=n.doc, point=p, quote=quote, score=score, file=n.file)

    def cites_for(self, entries: list[tuple[Notice, WorkPoint, float]], terms: list[str] | None = None) -> list[Citation]:
        """Citations for a one-answer question: the best entry and those close behind it."""
        if not entries:
            return []
        top = entries[0][2]
        cites = []
        for i, (n, p, s) in enumerate(entries[:CITE_MAX]):
            if i and s < top - CITE_MARGIN:
                break
            cites.append(self.cite(n, p, self.quote(p, terms), s))
        return cites

    def quote(self, p: WorkPoint, terms: list[str] | None = None) -> str:
        """The sentence of a work point that shares most words with the question.

        When none shares a word (a paraphrase, a question in English), the sentence holding the
        work point's clause closest to the question.
        """
        terms = self.terms if terms is None else terms
        sents = sentences(p.text.replace("\n", ""))
        if not sents:
            return p.title
        # A question asking when takes the sentence that prints a time ("该项工作于2019年4月底前完成") first.
        when = bool(vocab.WHEN_ASK.search(self.q.text)) and not self.q.wants("date")
        best = max((when and bool(vocab.TIME_PRINTED.search(s)), sum(len(t) for t in terms if t in s), -i, s)
                   for i, s in enumerate(sents))
        if best[0] or best[1] > 0:
            return best[3]
        row = self.services.rows.get(id(p))
        if row is None:
            return sents[0]
        sims = self.services.searcher.clause_similarities_of(self.search_text or self.q.text, row)
        closest = clause_texts(p)[int(sims.argmax())] if sims.size else ""
        return next((s for s in sents if closest and closest in s), sents[0])

    def lead_sentence(self, n: Notice, p: WorkPoint) -> str:
        """Who does a work point: its units by role, or, where it prints none, the sentence that says who."""
        by_role: dict[str, list[str]] = defaultdict(list)
        for unit, role in p.roles.items():
            by_role[role].append(unit)
        for unit in p.responsible:  # a unit printed in two roles (牵头 and 责任) keeps both
            if unit in p.lead and unit not in by_role.get("责任", []) and any(r == "责任" for r in by_role):
                by_role["责任"].append(unit)
        if not by_role:
            # Articles and replies name the body in the text ("国务院专利行政部门负责…"): quote it.
            quote = self.quote(p, [*self.words, "负责", "牵头", "部门"])
            return f"{self.ref(n, p)}「{p.title}」：“{quote}” [1]"
        order = {r: i for i, r in enumerate(vocab.ROLE_ORDER)}
        ordered = sorted(by_role.items(), key=lambda kv: order.get(kv[0], len(order)))
        if self.english:
            roles = "; ".join(f"{vocab.ROLE_EN.get(r, r)}: {'、'.join(u)}" for r, u in ordered)
            return f"{self.ref(n, p)} ({p.title}) — {roles}. [1]"
        roles = "；".join(f"{vocab.ROLE_LABEL.get(r, r)}：**{'、'.join(u)}**" for r, u in ordered)
        return f"{self.ref(n, p)}「{p.title}」— {roles} [1]"

    # ------------------------------------------------------------------ answers
    def answer(self, text: str, citations: list[Citation], kind: str, related: list[Citation] | None = None,
               found: bool = True) -> Answer:
        """An answer with the context's notes before it."""
        if self.notes:
            text = "\n".join(self.notes) + "\n\n" + text
        return Answer("", text, found, citations, related or [], kind=kind)

    def not_covered(self, hits: list[Hit] | None = None, why: str = "") -> Answer:
        """The notices do not answer this: say so, with the closest work points as related, not cited."""
        hits = self.hits() if hits is None else hits
        related = [self.cite(self.services.notice_of(h.doc), h.point, h.point.title, h.score) for h in hits[:3]]
        text = why or (
            "The indexed notices do not cover this question." if self.english else "所索引的通知没有涉及这个问题，无法据此作答。"
        )
        if related:
            text += "\n\n" + ("Related work points (not an answer):" if self.english else "相关工作要点（仅供参考，并非答案）：")
            text += "".join(f"\n- {self.ref(self.services.notice_of(c.doc), c.point)} {c.point.title}" for c in related)
        return Answer("", text, False, [], related, kind="not_covered")


def figures_note(p: WorkPoint, k: int = 3) -> str:
    """``：新增5000套、…`` — the first figures a work point sets, for a list line whose title does not print them."""
    shown = [t for t in p.targets if t.text not in p.title][:k]
    if not shown:
        return ""
    clauses = []
    for t in shown:
        clause = next((c for c in re.split(r"[，,；;。]", t.sentence) if t.text in c), t.text)
        if clause not in clauses:
            clauses.append(clause.strip())
    return "：" + "；".join(clauses)


def first_sentences(text: str, k: int) -> str:
    return "".join(sentences(text.replace("\n", ""))[:k])


def date_text(iso: str, english: bool) -> str:
    """``2019-08-19`` as the notices print it (2019年8月19日), with the ISO form beside it."""
    if not iso:
        return "—"
    y, m, d = (int(x) for x in iso.split("-"))
    return iso if english else f"{y}年{m}月{d}日（{iso}）"
