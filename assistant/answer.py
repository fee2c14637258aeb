"""From a question to a short answer grounded in cited work points, with no language model.

Every answer is composed from the parsed records and quoted text, so every figure, unit and
date it prints is one a notice prints. The kind of answer follows the question's wording
(:mod:`assistant.question`): the notice's own details, a numbered task, everything a unit
does, a section, every work point on a topic, a figure, who leads, or the best passage.
When retrieval finds nothing close enough, the answer says the notices do not cover it.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.coverage import Coverage
from assistant.directory import UnitDirectory
from assistant.errors import QuestionError
from assistant.figures import best_target
from assistant.index import clause_texts
from assistant.parse.structure import cn_to_int, match_heading
from assistant.parse.targets import sentences
from assistant.parse.units import locality
from assistant.question import Question, read_question
from assistant.records import Answer, Citation, Notice, WorkPoint
from assistant.search import Searcher

#: Longer questions are cut to this many characters before embedding (the model reads 512 tokens).
MAX_QUESTION_CHARS = 500

#: Topic lists: a work point belongs when its words carry every topic term. For a one-character
#: term, a word holding it counts when its embedding is this close to the character's (measured
#: on the seed's words with 水: 水资源 0.93, 水土流失 0.88, 水泥 0.869, 水平 0.867).
WORD_SENSE = 0.872
#: Further citations for a single answer: hits within this fused score (z units) of the best one, at most CITE_MAX.
CITE_MARGIN = 2.0
CITE_MAX = 5

Entry = tuple[Notice, WorkPoint]


def check_question(text: str) -> str:
    """Normalise a question and refuse one that cannot be asked.

    Returns:
        The question with spaces collapsed, cut to :data:`MAX_QUESTION_CHARS`.

    Raises:
        QuestionError: empty, whitespace, or nothing but punctuation and symbols.
    """
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()
    if not text:
        raise QuestionError("the question is empty: type a question about the indexed notices")
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise QuestionError("the question has no words, only punctuation or symbols: ask in words")
    return text[:MAX_QUESTION_CHARS]


@dataclass
class _Ctx:
    """A question in the middle of being answered."""

    q: Question
    scope: list[Notice]
    words: list[str]
    unit: str = ""  # the department filter, when one is set


class Assistant:
    """Answers questions over one index folder; load once, ask many times.

    Example:
        >>> Assistant("index").ask("残膜回收率要达到多少").answer
    """

    def __init__(self, index_dir: str | os.PathLike[str] | None = None, *, searcher: Searcher | None = None,
                 model: str | None = None) -> None:
        if searcher is None:
            if index_dir is None:
                raise ValueError("give an index folder or a searcher")
            searcher = Searcher.open(index_dir, model=model)
        self.searcher = searcher
        self.notices = searcher.index.notices
        self.directory = UnitDirectory(self.notices)
        self._row = searcher.rows
        tokenizer = searcher.index.tokenizer
        self._words = [set(tokenizer.words_of(p.text + " " + p.title)) for _, p in searcher.entries]
        self._sense_cache: dict[tuple[str, frozenset[str]], set[str]] = {}
        self._passage_vectors: dict[str, np.ndarray] = {}
        self._texts = [(p.text + " " + " ".join(p.path)).lower() for _, p in searcher.entries]
        self._idf: dict[str, float] = {}
        self.coverage = Coverage(searcher)

    def conversation(self) -> Conversation:
        """A new conversation: follow-up questions ("那它的责任单位呢？") read against earlier turns."""
        return Conversation(self)

    # ------------------------------------------------------------------ entry point
    def ask(self, question: str, notices: list[str] | None = None, unit: str | None = None) -> Answer:
        """Answer one question.

        Args:
            question: the question, in Chinese or English.
            notices: confine to these notices (文号 or title); None for all.
            unit: confine to work points this unit holds a role in.
        """
        try:
            text = check_question(question)
        except QuestionError as e:
            return Answer(question=question or "", answer=str(e), found=False, kind="invalid")
        q = read_question(text)
        scope = self._scope(q, notices)
        if unit:
            keep = {id(p) for e in self.directory.find(unit) for pts in e.points.values() for _, p in pts}
            scope = [Notice(n.doc, [p for p in n.items if id(p) in keep], n.file) for n in scope]
        if q.doc_number and len(scope) < len(self.notices):
            # The 文号 has done its work by choosing the notice; its characters are not the topic.
            q.text = q.text.replace(q.doc_number, " ").strip() or q.text
        ctx = _Ctx(q, scope, self.searcher.index.tokenizer.words_of(q.text), unit or "")
        for handler in (self._compare, self._meta, self._task_number, self._unit_list, self._section, self._topic):
            answer = handler(ctx)
            if answer is not None:
                answer.question = question
                return answer
        answer = self._retrieve(ctx)
        answer.question = question
        return answer

    # ------------------------------------------------------------------ scope
    def _scope(self, q: Question, names: list[str] | None) -> list[Notice]:
        """Notices the question may draw on: those it names by 文号, year or issuer, else all."""
        notices = self.notices
        if names:
            notices = [n for n in notices if n.doc.number in names or n.doc.title in names or n.file in names]
        if q.doc_number:
            named = [n for n in notices if n.doc.number == q.doc_number]
            if named:
                return named
        if q.year and len({n.doc.year for n in notices}) > 1 and not q.compare:
            named = [n for n in notices if n.doc.year == q.year]
            if named:
                notices = named
        places = {locality(n.doc.issuer) for n in notices} - {""}
        named_places = [p for p in places if p in q.text]
        if named_places and len(places) > 1 or named_places and len(places) < len(notices):
            notices = [n for n in notices if locality(n.doc.issuer) in named_places] or notices
        return notices

    # ------------------------------------------------------------------ two editions of a notice
    def _compare(self, ctx: _Ctx) -> Answer | None:
        """What changed between two editions: from the alignment of :mod:`assistant.compare`."""
        q = ctx.q
        if not q.compare:
            return None
        pair = self._editions(ctx.scope, q.years)
        if pair is None:
            return None if len(q.years) < 2 and not re.search(r"新增|删去|今年|去年|上年", q.text) else Answer(
                "",
                "The indexed notices hold no two editions of one notice to compare." if q.english
                else "所索引的通知中没有同一份通知的两个年度版本，无法比较。",
                False, kind="compare")
        from assistant.compare import compare_notices

        a, b = pair
        vectors = self.searcher.index.embeddings
        cmp = compare_notices(a, b, *(vectors[[self._row[id(p)] for p in n.items]] for n in (a, b)))
        # Confine to a department or a topic when the question names one.
        units = self.directory.find(q.text)
        unit_points = {id(p) for e in units for pts in e.points.values() for _, p in pts}
        terms = [w for w in ctx.words if not _CUE_WORD.search(w) and not _COMPARE_WORD.search(w)
                 and w not in self._scope_words(ctx) and not any(w in e.key or e.key in w for e in units)]
        senses = {t: self._sense_words(t, [a, b]) for t in terms}

        def keep(*points: WorkPoint) -> bool:
            if units and not any(id(p) in unit_points for p in points):
                return False
            return all(any(self._words[self._row[id(p)]] & senses[t] for p in points) for t in terms)

        changed = [c for c in cmp.changed if keep(c.a, c.b)]
        new = [x for x in cmp.new if keep(x.point) and x.point.item != "导语"]
        dropped = [x for x in cmp.dropped if keep(x.point) and x.point.item != "导语"]
        only_new = bool(re.search(r"新增|新加|what(?:'s| is) new", q.text)) and not re.search(r"删|取消|不再|变化", q.text)
        only_dropped = bool(re.search(r"删去|删除|去掉|取消|不再|dropped", q.text)) and not re.search(r"新增|变化", q.text)
        if only_new:
            changed, dropped = [], []
        if only_dropped:
            changed, new = [], []
        name_a, name_b = a.doc.number or a.doc.title, b.doc.number or b.doc.title
        lines = [f"{name_a}（{a.doc.year}） → {name_b}（{b.doc.year}）："
                 f"有变化 **{len(changed)}** 项，新增 **{len(new)}** 项，删去 **{len(dropped)}** 项。"]
        cites: list[Citation] = []
        for c in changed:
            cites += [self._cite(b, c.b, c.differences[0].quote_b or c.b.title, c.similarity),
                      self._cite(a, c.a, c.differences[0].quote_a or c.a.title, c.similarity)]
            diffs = "；".join(f"{_FIELD_LABEL.get(d.field, d.field)} {d.old} → {d.new}" for d in c.differences)
            lines.append(f"- {c.a.ref} → {c.b.ref}「{c.b.title}」：{diffs} [{len(cites) - 1}][{len(cites)}]")
        for heading, items, notice in (("新增", new, b), ("删去", dropped, a)):
            if items:
                lines.append(f"\n**{heading}**：")
            for x in items:
                cites.append(self._cite(notice, x.point, x.point.title, 1.0))
                lead = f"（牵头单位：{'、'.join(x.point.lead)}）" if x.point.lead else ""
                lines.append(f"- {x.point.ref}「{x.point.title}」{lead} [{len(cites)}]")
        return Answer("", "\n".join(lines), True, cites, kind="compare")

    def _editions(self, scope: list[Notice], years: list[int]) -> tuple[Notice, Notice] | None:
        """The two editions a comparison question means: the years it names, else the latest two of a family."""
        from assistant.compare import same_family

        if len(years) >= 2:
            picked = [next((n for n in scope if n.doc.year == y), None) for y in sorted(set(years))[:2]]
            if all(picked) and same_family(picked[0], picked[1]):
                return picked[0], picked[1]
            return None
        best: tuple[Notice, Notice] | None = None
        for b in scope:
            for a in scope:
                if a is not b and a.doc.year and b.doc.year and a.doc.year < b.doc.year and same_family(a, b):
                    if not years or b.doc.year in years:
                        if best is None or (b.doc.year, a.doc.year) > (best[1].doc.year, best[0].doc.year):
                            best = (a, b)
        return best

    # ------------------------------------------------------------------ the notice itself
    def _meta(self, ctx: _Ctx) -> Answer | None:
        q = ctx.q
        if not (q.meta or q.count) or len(ctx.scope) == 0:
            return None
        scope = self._named_by_title(ctx) or ctx.scope
        lines, cites = [], []
        if len(scope) > 1:
            lines.append(
                f"{len(scope)} notices are indexed; name one (by 文号 or year) to narrow this down:"
                if q.english
                else f"共索引了 {len(scope)} 份通知（可在问题中写明文号或年份以限定）："
            )
        for n in scope[:10]:
            d = n.doc
            parts = []
            if "number" in q.meta:
                parts.append(f"{'Document number' if q.english else '文号'}: **{d.number or '—'}**")
            if "issuer" in q.meta:
                parts.append(f"{'Issued by' if q.english else '发文机关'}: **{d.issuer or '—'}**")
            if "date" in q.meta:
                parts.append(f"{'Dated' if q.english else '成文日期'}: **{_date_text(d.date, q.english)}**")
                if d.published:
                    parts.append(f"{'Published' if q.english else '发布日期'}: **{_date_text(d.published, q.english)}**")
            if q.count:
                tasks = n.tasks
                parts.append(f"**{len(tasks)}** {'numbered tasks' if q.english else '项任务'}")
            lines.append(f"《{d.title}》: " + ("; " if q.english else "；").join(parts))
        return Answer("", "\n\n".join(lines), True, cites, kind="meta")

    def _named_by_title(self, ctx: _Ctx) -> list[Notice]:
        """The one notice whose title shares clearly most words with the question ("生态文明工作要点的文号")."""
        words = [w for w in _topic_terms(ctx) if len(w) >= 2]
        scored = sorted(((sum(len(w) for w in words if w in n.doc.title), i) for i, n in enumerate(ctx.scope)), reverse=True)
        if len(scored) > 1 and scored[0][0] >= 4 and scored[0][0] > scored[1][0]:
            return [ctx.scope[scored[0][1]]]
        return []

    # ------------------------------------------------------------------ 第N项
    def _task_number(self, ctx: _Ctx) -> Answer | None:
        q = ctx.q
        if q.task_number is None:
            return None
        found: list[Entry] = []
        for n in ctx.scope:
            for p in n.tasks:
                if _label_number(p.item) == q.task_number:
                    found.append((n, p))
                    break
        # Several notices have a task N: prefer one whose tasks name their units (a 工作要点), then the
        # one with units on that very task when the question asks who leads it.
        found.sort(key=lambda e: (q.lead and not e[1].roles, -sum(1 for t in e[0].tasks if t.roles)))
        if not found:
            top = max((len(n.tasks) for n in ctx.scope), default=0)
            msg = (
                f"The indexed notices have no task {q.task_number} (they number tasks up to {top})."
                if q.english
                else f"所索引的通知中没有第{q.task_number}项（任务编号最大为{top}）。"
            )
            return Answer("", msg, False, kind="task")
        n, p = found[0]
        if q.lead:
            text = self._lead_sentence(ctx, n, p)
        else:
            text = f"{self._ref(n, p, ctx)} **{p.title}**：{_first_sentences(p.text, 2)}" if not q.english else (
                f"{self._ref(n, p, ctx)}: **{p.title}** — {_first_sentences(p.text, 2)}")
        return Answer("", text, True, [self._cite(n, p, p.title, 1.0)], kind="task")

    # ------------------------------------------------------------------ everything a unit does
    def _unit_list(self, ctx: _Ctx) -> Answer | None:
        q = ctx.q
        if not (q.listing or q.roles) or (q.figure and not q.listing):
            return None
        in_scope = {id(n.doc) for n in ctx.scope}  # by metadata: a unit filter makes new Notice objects
        entries = [
            e for e in self.directory.find(q.text) or self.directory.find(ctx.unit if not _topic_terms(ctx) else "")
            if any(id(n.doc) in in_scope for pts in e.points.values() for n, _ in pts)
        ]
        if not entries:
            return None
        want_lead_only = "牵头" in q.roles and not any(r in q.roles for r in ("参与", "配合", "负责"))
        groups: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            for role in self.directory.roles_of(e):
                lead_like = role in ("牵头",) or (role == "负责" and "牵头" not in e.points)
                if want_lead_only and not lead_like:
                    continue
                key = "牵头" if lead_like else role
                seen = {id(p) for _, p in groups[key]}
                groups[key] += [(n, p) for n, p in e.points[role] if id(n.doc) in in_scope and id(p) not in seen]
        groups = {r: v for r, v in groups.items() if v}
        if not groups:
            name = entries[0].name
            msg = f"{name} does not lead any work point in the indexed notices." if q.english else f"所索引的通知中，{name}没有牵头的工作。"
            return Answer("", msg, True, kind="unit")
        name = "、".join(dict.fromkeys(e.name for e in entries))
        lines, cites = [], []
        for role, items in groups.items():
            head = (
                f"**{name}** — {_ROLE_EN.get(role, role)} on **{len(items)}** work points:"
                if q.english
                else f"**{name}**作为{_ROLE_LABEL.get(role, role)}的工作共 **{len(items)}** 项："
            )
            lines.append(head)
            for n, p in items:
                cites.append(self._cite(n, p, p.title, 1.0))
                lines.append(f"- {self._ref(n, p, ctx)} {p.title} [{len(cites)}]")
        return Answer("", "\n".join(lines), True, cites, kind="unit")

    # ------------------------------------------------------------------ a section
    def _section(self, ctx: _Ctx) -> Answer | None:
        if not ctx.q.listing:
            return None
        best: tuple[int, Notice, str] | None = None
        for n in ctx.scope:
            for heading in dict.fromkeys(h for p in n.items for h in p.path):
                m = match_heading(heading)
                title = (m[2] if m else heading).rstrip("。")
                if len(title) >= 4 and title in ctx.q.text and (best is None or len(title) > best[0]):
                    best = (len(title), n, heading)
        if best is None:
            return None
        _, n, heading = best
        items = [p for p in n.items if heading in p.path]
        cites = [self._cite(n, p, p.title, 1.0) for p in items]
        lines = [f"「{heading}」{'has' if ctx.q.english else '部分共'} **{len(items)}** {'work points' if ctx.q.english else '项'}:"]
        lines += [f"- {self._ref(n, p, ctx)} {p.title}（牵头：{'、'.join(p.lead) or '—'}） [{i}]" for i, p in enumerate(items, 1)]
        return Answer("", "\n".join(lines), True, cites, kind="section")

    # ------------------------------------------------------------------ every work point on a topic
    def _topic(self, ctx: _Ctx) -> Answer | None:
        q = ctx.q
        if not q.listing or q.figure:
            return None
        terms = [w for w in ctx.words if not _CUE_WORD.search(w) and w not in self._scope_words(ctx)]
        if not terms:
            return None
        senses = {t: self._sense_words(t, ctx.scope) for t in terms}
        dense = self.searcher.dense_scores(q.text)
        members: list[tuple[float, Notice, WorkPoint]] = []
        for n in ctx.scope:
            for p in n.items:
                if p.item == "导语" and n.tasks:
                    continue  # the preamble introduces the notice; it is not one of its work points
                words = self._words[self._row[id(p)]]
                if all(words & senses[t] for t in terms):
                    members.append((float(dense[self._row[id(p)]]), n, p))
        if not members:
            return None
        # The notice with most work points on the topic is answered in full, grouped by lead unit
        # (most work points first); other notices that touch it are named as related, not cited.
        by_notice: dict[int, list[tuple[float, Notice, WorkPoint]]] = defaultdict(list)
        for m in sorted(members, key=lambda m: -m[0]):
            by_notice[id(m[1])].append(m)
        groups = sorted(by_notice.values(), key=lambda g: (-len(g), -g[0][0]))
        group, others = groups[0], groups[1:]
        n = group[0][1]
        none = "(no lead unit printed)" if q.english else "（未列牵头单位）"
        where = f"{n.doc.number or n.doc.title}: " if len(ctx.scope) > 1 else ""
        lines = [
            f"{where}**{len(group)}** work points concern this, by lead unit:" if q.english
            else f"{where}共 **{len(group)}** 项工作涉及，按牵头单位："
        ]
        by_lead: dict[str, list[tuple[float, Notice, WorkPoint]]] = defaultdict(list)
        for m in sorted(group, key=lambda m: n.items.index(m[2])):
            by_lead["、".join(m[2].lead) or none].append(m)
        cites: list[Citation] = []
        for lead, items in sorted(by_lead.items(), key=lambda kv: (kv[0] == none, -len(kv[1]))):
            lines.append(f"- **{lead}**（{len(items)}）：" if not q.english else f"- **{lead}** ({len(items)}):")
            for s_, _, p in items:
                cites.append(self._cite(n, p, self._quote(p, q.text, terms), s_))
                lines.append(f"  - {p.ref} {p.title} [{len(cites)}]")
        related = [self._cite(m[1], m[2], m[2].title, m[0]) for g in others for m in g]
        if others:
            names = "、".join(g[0][1].doc.number or g[0][1].doc.title for g in others[:5])
            lines.append(
                f"\nAlso touched on in {len(others)} other notices ({names}…); ask about one by its number."
                if q.english else f"\n另有 {len(others)} 份通知也涉及（{names}等），可在问题中写明文号查看。"
            )
        return Answer("", "\n".join(lines), True, cites, related, kind="topic")

    # ------------------------------------------------------------------ retrieval answers
    def _retrieve(self, ctx: _Ctx) -> Answer:
        q = ctx.q
        allowed = {id(p) for n in ctx.scope for p in n.items}
        if q.collective:
            # "各项任务完成情况报送到哪里" asks about the notice's own requirements, not one task.
            allowed -= {id(p) for n in ctx.scope for p in n.tasks}
        hits = self.searcher.search(q.text, k=10, where=lambda n, p: id(p) in allowed)
        if not hits:
            return self._not_covered(ctx, [])
        # A question about all the tasks is about the notice itself, like 文号 or dates: answered
        # from its requirement sections whenever it has them.
        if not q.collective and not self.coverage.answers(q, hits, ctx.scope):
            return self._not_covered(ctx, hits)
        if q.lead:
            # A who-leads question is answered by a work point that names units, when one is close.
            with_units = [h for h in hits[:5] if h.point.roles]
            if with_units and with_units[0] is not hits[0]:
                hits = [with_units[0], *[h for h in hits if h is not with_units[0]]]
        top_n = next(n for n in ctx.scope if n.doc is hits[0].doc)
        terms = [w for w in ctx.words if not _SCOPE_WORD.search(w) and w not in self._scope_words(ctx)]
        entries = [(next(n for n in ctx.scope if n.doc is h.doc), h.point, h.score) for h in hits]
        if q.figure:
            answer = self._figure(ctx, entries, terms)
            if answer is not None or q.figure_last:
                return answer or self._not_covered(ctx, [])
        cites = self._cites_for(entries, q.text, terms)
        n, p = top_n, hits[0].point
        if q.lead:
            text = self._lead_sentence(ctx, n, p)
        else:
            text = f"{self._ref(n, p, ctx)} **{p.title}**：“{cites[0].quote}” [1]"
            if len(cites) > 1:
                c = cites[1]
                also = "See also" if q.english else "另见"
                text += f"\n\n{also} {self._ref(self._notice_of(c), c.point, ctx)} {c.point.title}：“{c.quote}” [2]"
        return Answer("", text, True, cites, kind="lead" if q.lead else "passage")

    def _closeness(self, text: str) -> Callable[[list[str]], list[float]]:
        """Cosine of the question to each of some short passages (a figure's words), embedded on demand."""
        vector = self.searcher.query_vector(text)

        def close(passages: list[str]) -> list[float]:
            # The cache is shared by the app's concurrent requests: read the answer from a local copy.
            have = {x: v for x in dict.fromkeys(passages) if (v := self._passage_vectors.get(x)) is not None}
            missing = [x for x in dict.fromkeys(passages) if x not in have]
            if missing:
                have.update(zip(missing, self.searcher.embedder.encode_documents(missing), strict=True))
                if len(self._passage_vectors) > 20_000:
                    self._passage_vectors = {}
                self._passage_vectors.update((x, have[x]) for x in missing)
            return [float(have[x] @ vector) for x in passages]

        return close

    def _idf_of(self, word: str) -> float:
        """Inverse share of work points whose text holds the word; 0 for a word none holds (cached)."""
        if word not in self._idf:
            df = sum(word in text for text in self._texts)
            self._idf[word] = math.log((len(self._texts) + 1) / (df + 0.5)) if df else 0.0
        return self._idf[word]

    def _sense_words(self, term: str, scope: list[Notice]) -> set[str]:
        """Words of the notices that carry a topic term in its sense.

        A term of two or more characters is its own sense (and every longer word holding it).
        A single character is ambiguous (水 in 水资源 but not in 水平), so the words that hold it
        are kept when the model places them near the character itself (:data:`WORD_SENSE`).
        """
        candidates = {w for n in scope for p in n.items for w in self._words[self._row[id(p)]] if term in w}
        if len(term) > 1 or not candidates:
            return candidates
        key = (term, frozenset(candidates))
        if key not in self._sense_cache:
            words = sorted(candidates)
            sims = self.searcher.embedder.encode_queries([term, *words])
            keep = {w for w, v in zip(words, sims[1:], strict=True) if float(v @ sims[0]) >= WORD_SENSE}
            self._sense_cache[key] = keep | {term}
        return self._sense_cache[key]

    def _notice_of(self, c: Citation) -> Notice:
        return next(n for n in self.notices if n.doc is c.doc)

    def _figure(
        self, ctx: _Ctx, entries: list[tuple[Notice, WorkPoint, float]], terms: list[str]
    ) -> Answer | None:
        """The figure a question asks for: the target whose surrounding words best match the question.

        None when no printed figure names the indicator the question asks about.
        """
        # A word no notice prints is no evidence for any figure; a word most work points print is little.
        weights = {t: self._idf_of(t) for t in terms}
        found = best_target(ctx.q.text, terms, [p for _, p, _ in entries[:5]], weights, self._closeness(ctx.q.text))
        if found is None:
            return None
        target, rank = found
        n, p, _ = entries[rank]
        ordered = [(n, p, 1.0)] + [e for e in entries if e[1] is not p]
        cites = self._cites_for(ordered, ctx.q.text, terms)
        cites[0].quote = target.sentence
        lead = "、".join(p.lead)
        if ctx.q.english:
            text = f"**{target.text}** — task {p.item} ({p.title}): “{target.sentence}” [1]" + (f" Lead unit: {lead}." if lead else "")
        else:
            text = f"**{target.text}**。{self._ref(n, p, ctx)}（{p.title}）：“{target.sentence}” [1]" + (
                f"（牵头单位：{lead}）" if lead else "")
        return Answer("", text, True, cites, kind="figure")

    def _not_covered(self, ctx: _Ctx, hits: list) -> Answer:
        related = [
            self._cite(next(n for n in ctx.scope if n.doc is h.doc), h.point, h.point.title, h.score) for h in hits[:3]
        ]
        text = (
            "The indexed notices do not cover this question."
            if ctx.q.english
            else "所索引的通知没有涉及这个问题，无法据此作答。"
        )
        if related:
            text += "\n\n" + ("Related work points (not an answer):" if ctx.q.english else "相关工作要点（仅供参考，并非答案）：")
            text += "".join(f"\n- {self._ref(c_n, c.point, ctx)} {c.point.title}" for c, c_n in
                            ((c, next(n for n in ctx.scope if n.doc is c.doc)) for c in related))
        return Answer("", text, False, [], related, kind="not_covered")

    # ------------------------------------------------------------------ helpers
    def _lead_sentence(self, ctx: _Ctx, n: Notice, p: WorkPoint) -> str:
        """Who does a work point: its units by role, or, where it prints none, the sentence that says who."""
        by_role: dict[str, list[str]] = defaultdict(list)
        for unit, role in p.roles.items():
            by_role[role].append(unit)
        if not by_role:
            # Articles and replies name the body in the text ("国务院专利行政部门负责…"): quote it.
            quote = self._quote(p, ctx.q.text, [*ctx.words, "负责", "牵头", "部门"])
            return f"{self._ref(n, p, ctx)}「{p.title}」：“{quote}” [1]"
        if ctx.q.english:
            roles = "; ".join(f"{_ROLE_EN.get(r, r)}: {'、'.join(u)}" for r, u in by_role.items())
            return f"Task {p.item} ({p.title}) — {roles}. [1]"
        roles = "；".join(f"{_ROLE_LABEL.get(r, r)}：**{'、'.join(u)}**" for r, u in by_role.items())
        return f"{self._ref(n, p, ctx)}「{p.title}」— {roles} [1]"

    def _ref(self, n: Notice, p: WorkPoint, ctx: _Ctx) -> str:
        """``第37项`` (or ``Task 37``), naming the notice when more than one is in scope."""
        label = p.ref
        if ctx.q.english:
            label = f"Task {p.item}" if p.item.isdigit() else p.item
        return f"{n.doc.number or n.doc.title} {label}" if len(ctx.scope) > 1 else label

    def _cite(self, n: Notice, p: WorkPoint, quote: str, score: float) -> Citation:
        return Citation(doc=n.doc, point=p, quote=quote, score=score, file=n.file)

    def _cites_for(self, entries: list[tuple[Notice, WorkPoint, float]], question: str, terms: list[str]) -> list[Citation]:
        top = entries[0][2]
        cites = []
        for i, (n, p, s) in enumerate(entries[:CITE_MAX]):
            if i and s < top - CITE_MARGIN:
                break
            cites.append(self._cite(n, p, self._quote(p, question, terms), s))
        return cites

    def _quote(self, p: WorkPoint, question: str, terms: list[str]) -> str:
        """The sentence of a work point that shares most words with the question.

        When none shares a word (a paraphrase, a question in English), the sentence holding the
        work point's clause closest to the question.
        """
        sents = sentences(p.text.replace("\n", ""))
        if not sents:
            return p.title
        scored = [(sum(len(t) for t in terms if t in s), -i, s) for i, s in enumerate(sents)]
        best = max(scored)
        if best[0] > 0:
            return best[2]
        row = self._row.get(id(p))
        if row is None:
            return sents[0]
        rows = np.flatnonzero(self.searcher.index.clause_owner == row)
        sims = self.searcher.clause_similarities(question)[rows]
        closest = clause_texts(p)[int(sims.argmax())] if sims.size else ""
        return next((s for s in sents if closest and closest in s), sents[0])

    def _scope_words(self, ctx: _Ctx) -> set[str]:
        """Words that only name the notice (its place, its year): they say nothing about the topic."""
        words = set()
        for n in ctx.scope:
            place = locality(n.doc.issuer)
            if place:
                words |= {place, place + "市"}
            if n.doc.year:
                words.add(str(n.doc.year))
        return words


class Conversation:
    """One conversation over an :class:`Assistant`: ``conv.ask(q)`` answers with the earlier turns in view."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Answer] = []

    def ask(self, question: str, notices: list[str] | None = None, unit: str | None = None) -> Answer:
        """Answer the next question of the conversation."""
        answer = self.assistant.ask(question, notices=notices, unit=unit)
        self.turns.append(answer)
        return answer

    def reset(self) -> None:
        """Start over: later questions are read on their own."""
        self.turns.clear()


_ROLE_LABEL = {"牵头": "牵头单位", "负责": "负责单位", "责任": "责任单位", "配合": "配合单位", "参与": "参与单位", "指导": "指导单位"}
_ROLE_EN = {"牵头": "lead", "负责": "responsible", "责任": "responsible", "配合": "supporting", "参与": "participating", "指导": "guiding"}
_CUE_WORD = re.compile(r"^(哪些|什么|工作|任务|涉及|关于|有关|分别|牵头|负责|部门|单位|由谁|谁|方面|内容|措施|事项|which|what|tasks?|work|concern\w*|involv\w*)$")
_SCOPE_WORD = re.compile(r"^\d{4}$|^\d{4}年$")
_COMPARE_WORD = re.compile(r"^(相比|对比|比较|变化|新增|删去|删除|去掉|取消|不再|今年|去年|上年|和|与|年|调整)$")
_FIELD_LABEL = {"targets": "目标", "lead": "牵头单位", "responsible": "责任单位", "title": "标题"}


def _date_text(iso: str, english: bool) -> str:
    """``2019-08-19`` as the notices print it (2019年8月19日), with the ISO form beside it."""
    if not iso:
        return "—"
    y, m, d = (int(x) for x in iso.split("-"))
    return iso if english else f"{y}年{m}月{d}日（{iso}）"


def _topic_terms(ctx: _Ctx) -> list[str]:
    """The question's words that name a topic (not its cue words such as 哪些, 工作, 牵头)."""
    return [w for w in ctx.words if not _CUE_WORD.search(w)]


def _label_number(label: str) -> int | None:
    """The number a task label prints: 37, （五） → 5, 第十二条 → 12."""
    core = label.strip("（）()第条")
    if core.isdigit():
        return int(core)
    return cn_to_int(core) if core else None


def _first_sentences(text: str, k: int) -> str:
    return "".join(sentences(text.replace("\n", ""))[:k])
